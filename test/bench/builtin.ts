// The builtin packager against the whole-rendition packagers and the disk: playlist latency, segment latency, throughput, memory.

import { execFile } from 'node:child_process';
import { promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { localOpenSource, type LocalOpenSource } from '../../daemon/source/open-source.js';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { createFfmpegPackager } from '../../daemon/packagers/ffmpeg.js';
import { createMp42hlsPackager } from '../../daemon/packagers/mp42hls.js';
import { ParsePool } from '../../daemon/packagers/builtin/parse-pool.js';
import type { Packager } from '../../daemon/packagers/packager.js';
import type { OpenSource } from '../../daemon/source/open-source.js';
import { open } from 'node:fs/promises';
import { openFileReader } from '../../daemon/source/file-reader.js';
import { FFMPEG } from '../helpers/media.js';
import { muxThroughputRow } from './mux.js';
import type { BenchModule, BenchRow } from './table.js';

const run = promisify(execFile);
const SEGMENT_SEC = 10;
export const LONG_MINUTES = Number(process.env.CASTERPAK_BENCH_LONG_MINUTES ?? 30);
const SEGMENT_SAMPLES = Number(process.env.CASTERPAK_BENCH_SEGMENTS ?? 40);
const signal = () => new AbortController().signal;

/** A 10 s 720p clip at 8 Mb/s, stream-copy looped to `minutes` (about 1.8 GB for 30 minutes; moov at the end). */
export async function makeLongRendition(dir: string, minutes = LONG_MINUTES): Promise<LocalOpenSource> {
  const clip = path.join(dir, 'clip.mp4');
  const long = path.join(dir, 'long.mp4');
  await run(FFMPEG, ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-b:v', '8M', '-maxrate', '8M', '-bufsize', '16M',
    '-c:a', 'aac', '-b:a', '128k', clip]);
  await run(FFMPEG, ['-nostdin', '-v', 'error', '-y', '-stream_loop', String(minutes * 6 - 1), '-i', clip, '-c', 'copy', long]);
  const stat = statSync(long);
  // Opened once, as the daemon opens a source for a packaging run; closed when the benchmark ends.
  return localOpenSource(await open(long, 'r'), { absPath: long, relPath: 'long.mp4', sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
}

export const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

async function timeMs<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Whole-rendition packaging into a fresh folder: seconds and TS bytes written. */
async function wholeRendition(packager: Packager, src: OpenSource, scratch: string): Promise<{ sec: number; bytes: number }> {
  const out = await fs.mkdtemp(path.join(scratch, `${packager.name}-`));
  const { ms } = await timeMs(() => packager.packageRendition(src, out, signal()));
  const files = await fs.readdir(out);
  const bytes = (await Promise.all(files.filter((f) => f.endsWith('.ts')).map((f) => fs.stat(path.join(out, f))))).reduce((sum, s) => sum + s.size, 0);
  await fs.rm(out, { recursive: true, force: true });
  return { sec: ms / 1000, bytes };
}

async function onPath(tool: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);
}

async function playlistRows(src: OpenSource, scratch: string): Promise<{ rows: BenchRow[]; ffmpeg: { sec: number; bytes: number } }> {
  // A new packager per run: nothing parsed is cached between runs (the process, its parse workers and the
  // page cache stay warm, as in a daemon; the first run also starts a worker).
  const runs: number[] = [];
  const parsePool = new ParsePool();
  for (let i = 0; i < 5; i++) runs.push((await timeMs(() => createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC, parsePool }).plan(src))).ms);
  await parsePool.close();
  const builtinMs = quantile(runs, 0.5);
  const ffmpeg = await wholeRendition(createFfmpegPackager({ segmentDurationSec: SEGMENT_SEC, ffmpegPath: FFMPEG }), src, scratch);
  const rows: BenchRow[] = [];
  const row = (name: string, sec: number): BenchRow => ({
    figure: `Cold playlist latency, ${LONG_MINUTES} min 720p (${(src.sizeBytes / 1e9).toFixed(2)} GB)`,
    casterpak: `${builtinMs.toFixed(0)} ms (first run ${runs[0].toFixed(0)} ms)`,
    reference: `${name}: ${(sec * 1000).toFixed(0)} ms`,
    ratio: `${((sec * 1000) / builtinMs).toFixed(0)}x faster`,
    target: '>= 30x faster',
    met: (sec * 1000) / builtinMs >= 30,
  });
  rows.push(row('ffmpeg packager', ffmpeg.sec));
  if (await onPath('mp42hls')) {
    const bento = await wholeRendition(createMp42hlsPackager({ segmentDurationSec: SEGMENT_SEC, mp42hlsPath: 'mp42hls' }), src, scratch);
    rows.push(row('mp42hls packager', bento.sec));
  }
  return { rows, ffmpeg };
}

/** Per segment: the builtin's cold mux (plan already cached) and a plain read of the same byte span (the floor). */
async function segmentRow(src: OpenSource): Promise<BenchRow> {
  const packager = createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC });
  const plan = await packager.segmentPlan(src);
  const reader = await openFileReader(src.absPath);
  const movie = await readMovie(reader);
  await reader.close();
  const builtin: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < SEGMENT_SAMPLES; i++) {
    const segment = plan.segments[Math.floor((i * 7919) % plan.segments.length)];
    const ranges = [[movie.video!, segment.video!], [movie.audio!, segment.audio!]] as const;
    const start = Math.min(...ranges.map(([t, r]) => t.samples.offsets[r.firstSample]));
    const end = Math.max(...ranges.map(([t, r]) => t.samples.offsets[r.lastSample] + t.samples.sizes[r.lastSample]));
    floor.push((await timeMs(async () => {
      const plain = await openFileReader(src.absPath);
      await plain.read(start, end - start);
      await plain.close();
    })).ms);
    builtin.push((await timeMs(() => packager.segment(src, segment.number, signal()))).ms);
  }
  const [b50, b99, f50, f99] = [quantile(builtin, 0.5), quantile(builtin, 0.99), quantile(floor, 0.5), quantile(floor, 0.99)];
  return {
    figure: `Cold segment latency p50 / p99, 10 s 720p (${SEGMENT_SAMPLES} segments)`,
    casterpak: `${b50.toFixed(1)} / ${b99.toFixed(1)} ms`,
    reference: `plain read: ${f50.toFixed(1)} / ${f99.toFixed(1)} ms`,
    ratio: `${(b50 / f50).toFixed(1)}x / ${(b99 / f99).toFixed(1)}x`,
    target: '<= 3x the floor',
    met: b50 / f50 <= 3 && b99 / f99 <= 3,
  };
}

async function throughputRow(src: OpenSource, scratch: string, ffmpeg: { sec: number; bytes: number }): Promise<BenchRow> {
  const builtin = await wholeRendition(createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC }), src, scratch);
  const mbps = (r: { sec: number; bytes: number }) => r.bytes / 1e6 / r.sec;
  return {
    figure: 'Full-rendition throughput (TS written)',
    casterpak: `${mbps(builtin).toFixed(0)} MB/s (${builtin.sec.toFixed(1)} s)`,
    reference: `ffmpeg: ${mbps(ffmpeg).toFixed(0)} MB/s (${ffmpeg.sec.toFixed(1)} s)`,
    ratio: (mbps(builtin) / mbps(ffmpeg)).toFixed(2),
    target: '>= ffmpeg',
    met: mbps(builtin) >= mbps(ffmpeg),
  };
}

async function rssRow(src: OpenSource): Promise<BenchRow> {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'builtin-rss.js');
  const { stdout } = await run(process.execPath, [child, src.absPath, String(SEGMENT_SEC)], { maxBuffer: 1024 * 1024 });
  const peakMb = Number(stdout.trim()) / 1e6;
  return {
    figure: `Peak RSS muxing every segment of a ${(src.sizeBytes / 1e9).toFixed(2)} GB source`,
    casterpak: `${peakMb.toFixed(0)} MB`,
    reference: '-',
    ratio: '-',
    target: '<= 150 MB',
    met: peakMb <= 150,
  };
}

export const builtinBench: BenchModule = {
  name: 'builtin packager',
  async run() {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-builtin-'));
    try {
      const src = await makeLongRendition(scratch);
      const { rows, ffmpeg } = await playlistRows(src, scratch);
      try {
        return [...rows, await segmentRow(src), await muxThroughputRow(src, SEGMENT_SEC), await throughputRow(src, scratch, ffmpeg), await rssRow(src)];
      } finally {
        await src.handle.close();
      }
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  },
};
