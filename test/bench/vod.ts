// Per-miss cost against nginx-vod-module (CASTERPAK_BENCH_VOD_NGINX): cold playlists, segment misses, CPU and memory, in interleaved rounds.

import { promises as fs, linkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { get } from '../helpers/http.js';
import { childPids } from '../helpers/processes.js';
import { LONG_MINUTES, makeLongRendition, quantile } from './builtin.js';
import { median } from './side-by-side.js';
import { startCasterpakStack, type CasterpakStack } from './casterpak-stack.js';
import type { BenchModule, BenchRow } from './table.js';
import { cpuMs, loadAverage, memoryOf, startVodNginx, type VodNginx } from './vod-reference.js';

const SEGMENT_SEC = 10;
const ROUNDS = Number(process.env.CASTERPAK_BENCH_VOD_ROUNDS ?? 2);
const COLD_SAMPLES = 5;
const MISS_SAMPLES = Number(process.env.CASTERPAK_BENCH_VOD_SEGMENTS ?? 20);
/** Longer than the daemon's access-log poll, so that its tailing of the series is counted. */
const SETTLE_MS = 1_500;

type Who = 'casterpak' | 'vod';
type Format = 'ts' | 'fmp4' | 'dash';
const FORMATS: Format[] = ['ts', 'fmp4', 'dash'];

/** The media playlist (DASH: the MPD) of source `n` on each side. */
const PLAYLIST: Record<Who, Record<Format, (n: string) => string>> = {
  casterpak: { ts: (n) => `/i/${n}/index_0_av.m3u8`, fmp4: (n) => `/i/${n}/cmaf/video.m3u8`, dash: (n) => `/i/${n}/cmaf/manifest.mpd` },
  vod: { ts: (n) => `/hls/${n}/index.m3u8`, fmp4: (n) => `/fmp4/${n}/index.m3u8`, dash: (n) => `/dash/${n}/manifest.mpd` },
};

/** The HLS masters of source `n`: MPEG-TS, and CasterPak's CMAF master against nginx-vod-module's fMP4 one. */
const MASTER: Record<Who, Record<'ts' | 'fmp4', (n: string) => string>> = {
  casterpak: { ts: (n) => `/i/${n}/master.m3u8`, fmp4: (n) => `/i/${n}/cmaf/master.m3u8` },
  vod: { ts: (n) => `/hls/${n}/master.m3u8`, fmp4: (n) => `/fmp4/${n}/master.m3u8` },
};

/** Every file of segment k (video and audio): CasterPak's CMAF files serve both fMP4 HLS and DASH. */
const SEGMENT: Record<Who, Record<Format, (n: string, k: number) => string[]>> = {
  casterpak: {
    ts: (n, k) => [`/i/${n}/segment${k}_0_av.ts`],
    fmp4: (n, k) => [`/i/${n}/cmaf/video_${k}.m4s`, `/i/${n}/cmaf/audio_${k}.m4s`],
    dash: (n, k) => [`/i/${n}/cmaf/video_${k}.m4s`, `/i/${n}/cmaf/audio_${k}.m4s`],
  },
  vod: {
    ts: (n, k) => [`/hls/${n}/seg-${k}-v1-a1.ts`],
    fmp4: (n, k) => [`/fmp4/${n}/seg-${k}-v1-a1.m4s`],
    dash: (n, k) => [`/dash/${n}/fragment-${k}-v1.m4s`, `/dash/${n}/fragment-${k}-a1.m4s`],
  },
};

interface Bench {
  binary: string;
  source: string;
  stack: CasterpakStack;
  vod: VodNginx;
  copies: number;
}

/** A new name for the same bytes (a hard link): no cache of either side knows it. */
function fresh(b: Bench): string {
  b.copies += 1;
  const name = `copy${b.copies}.mp4`;
  linkSync(b.source, path.join(b.stack.mediaRoot, name));
  return name;
}

const portOf = (b: Bench, who: Who) => (who === 'casterpak' ? b.stack.port : b.vod.port);
/** CasterPak's cost is the daemon (all threads) plus the nginx worker in front; the reference's, its worker. */
const pidsOf = (b: Bench, who: Who) => (who === 'casterpak' ? [b.stack.daemonPid(), ...childPids(b.stack.nginxMasterPid)] : b.vod.workerPids());

interface Cost {
  ms: number;
  /** Bytes of every response body. */
  bytes: number;
  body: string;
}

/** The requests one after the other: wall time and the last body. */
async function timed(b: Bench, who: Who, paths: string[]): Promise<Cost> {
  const start = performance.now();
  let body = '';
  let bytes = 0;
  for (const p of paths) {
    const res = await get(portOf(b, who), p);
    if (res.status !== 200) throw new Error(`${who}: GET ${p} answered ${res.status}: ${res.text().slice(0, 300)}`);
    bytes += res.body.length;
    body = p.endsWith('.m3u8') || p.endsWith('.mpd') ? res.text() : '';
  }
  return { ms: performance.now() - start, bytes, body };
}

/** Both sides in turn, the order alternating with `i` so that load coming and going weighs on both. */
async function bothSides<T>(i: number, work: (who: Who) => Promise<T>): Promise<Record<Who, T>> {
  const order: Who[] = i % 2 === 0 ? ['casterpak', 'vod'] : ['vod', 'casterpak'];
  const out = {} as Record<Who, T>;
  for (const who of order) out[who] = await work(who);
  return out;
}

type Pair = Record<Who, number>;
type Figures = Record<string, Pair>;

async function coldPlaylist(b: Bench, pathOf: (who: Who, name: string) => string, first: number): Promise<Pair> {
  const runs: Record<Who, number[]> = { casterpak: [], vod: [] };
  for (let i = 0; i < COLD_SAMPLES; i++) {
    const pair = await bothSides(first + i, async (who) => (await timed(b, who, [pathOf(who, fresh(b))])).ms);
    runs.casterpak.push(pair.casterpak);
    runs.vod.push(pair.vod);
  }
  return { casterpak: median(runs.casterpak), vod: median(runs.vod) };
}

/**
 * Segment misses spread over the rendition, after one (untimed) playlist request on each side's new
 * copy. CPU is each side's total over the whole series, divided: neither side's processes do the
 * other's work, and what a miss leaves behind (the daemon tailing nginx's access-log line, writing
 * its database) is counted once the series has settled.
 */
async function misses(b: Bench, format: Format, first: number): Promise<{ p50: Pair; cpu: Pair; frontCpu: number }> {
  const names = { casterpak: fresh(b), vod: fresh(b) };
  for (const who of ['casterpak', 'vod'] as const) await timed(b, who, [PLAYLIST[who][format](names[who])]);
  const segments = Math.floor((LONG_MINUTES * 60) / SEGMENT_SEC);
  const latencies: Record<Who, number[]> = { casterpak: [], vod: [] };
  const front = () => cpuMs(childPids(b.stack.nginxMasterPid));
  const cpuBefore = { casterpak: cpuMs(pidsOf(b, 'casterpak')), vod: cpuMs(pidsOf(b, 'vod')), front: front() };
  for (let i = 0; i < MISS_SAMPLES; i++) {
    const k = 1 + ((i * 7919) % segments);
    const pair = await bothSides(first + i, (who) => timed(b, who, SEGMENT[who][format](names[who], k)));
    latencies.casterpak.push(pair.casterpak.ms);
    latencies.vod.push(pair.vod.ms);
  }
  await sleep(SETTLE_MS);
  const p50 = (who: Who) => quantile(latencies[who], 0.5);
  const cpu = (who: Who) => (cpuMs(pidsOf(b, who)) - cpuBefore[who]) / MISS_SAMPLES;
  const frontCpu = (front() - cpuBefore.front) / MISS_SAMPLES;
  return { p50: { casterpak: p50('casterpak'), vod: p50('vod') }, cpu: { casterpak: cpu('casterpak'), vod: cpu('vod') }, frontCpu };
}

/**
 * Every segment of a new copy on each side in `format` (CMAF: the video and the audio file of each), k
 * from 1 to the count its own MPEG-TS playlist lists, alternating sides: bytes and the wall time of
 * the requests, for throughput.
 */
async function everySegment(b: Bench, format: 'ts' | 'fmp4'): Promise<{ count: Pair; bytes: Pair; ms: Pair }> {
  const names = { casterpak: fresh(b), vod: fresh(b) };
  const counts = await bothSides(0, async (who) => {
    const { body } = await timed(b, who, [PLAYLIST[who].ts(names[who])]);
    return body.split('\n').filter((l) => l && !l.startsWith('#')).length;
  });
  if (format === 'fmp4') for (const who of ['casterpak', 'vod'] as const) await timed(b, who, [PLAYLIST[who].fmp4(names[who])]);
  const bytes: Pair = { casterpak: 0, vod: 0 };
  const ms: Pair = { casterpak: 0, vod: 0 };
  for (let k = 1; k <= Math.max(counts.casterpak, counts.vod); k++) {
    const pair = await bothSides(k, async (who) => (k <= counts[who] ? timed(b, who, SEGMENT[who][format](names[who], k)) : { ms: 0, bytes: 0, body: '' }));
    for (const who of ['casterpak', 'vod'] as const) {
      bytes[who] += pair[who].bytes;
      ms[who] += pair[who].ms;
    }
  }
  return { count: counts, bytes, ms };
}

async function restart(b: Bench): Promise<void> {
  await b.stack.restartDaemon();
  await b.vod.stop();
  b.vod = await startVodNginx(b.binary, b.stack.mediaRoot);
}

/** One round: both sides just started, then every figure, each side's requests interleaved with the other's. */
async function round(b: Bench, r: number): Promise<Figures> {
  if (r > 0) await restart(b);
  const f: Figures = { load: { casterpak: loadAverage(), vod: loadAverage() } };
  f.first = await bothSides(r, async (who) => (await timed(b, who, [PLAYLIST[who].ts(fresh(b))])).ms);
  for (const format of FORMATS) f[`cold-${format}`] = await coldPlaylist(b, (who, name) => PLAYLIST[who][format](name), r);
  for (const format of ['ts', 'fmp4'] as const) f[`cold-master-${format}`] = await coldPlaylist(b, (who, name) => MASTER[who][format](name), r);
  for (const format of FORMATS) {
    const m = await misses(b, format, r);
    f[`miss-${format}`] = m.p50;
    f[`cpu-${format}`] = m.cpu;
    f[`front-cpu-${format}`] = { casterpak: m.frontCpu, vod: 0 };
  }
  const every = await everySegment(b, 'ts');
  f.segments = every.count;
  f.bytes = every.bytes;
  f['throughput-ts'] = { casterpak: every.bytes.casterpak / every.ms.casterpak / 1e3, vod: every.bytes.vod / every.ms.vod / 1e3 };
  const daemon = memoryOf([b.stack.daemonPid()]);
  const front = memoryOf(childPids(b.stack.nginxMasterPid));
  const vod = memoryOf(b.vod.workerPids());
  f.hwm = { casterpak: daemon.hwmBytes, vod: vod.hwmBytes };
  f.rss = { casterpak: daemon.rssBytes, vod: vod.rssBytes };
  f.front = { casterpak: front.hwmBytes, vod: 0 };
  // After the memory figures, which stay those of packaging the MPEG-TS rendition once.
  const everyFmp4 = await everySegment(b, 'fmp4');
  f['bytes-fmp4'] = everyFmp4.bytes;
  f['throughput-fmp4'] = { casterpak: everyFmp4.bytes.casterpak / everyFmp4.ms.casterpak / 1e3, vod: everyFmp4.bytes.vod / everyFmp4.ms.vod / 1e3 };
  f.load.vod = loadAverage();
  return f;
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
const mb = (v: number) => `${(v / 1e6).toFixed(0)} MB`;
const mbPerSec = (v: number) => `${v.toFixed(0)} MB/s`;

/** The median over rounds, then each round's figure: `12 ms (11, 13)`. */
function cellOf(rounds: Figures[], key: string, who: Who, unit: (v: number) => string): string {
  const values = rounds.map((f) => f[key][who]);
  return `${unit(median(values))} (${values.map((v) => unit(v).split(' ')[0]).join(', ')})`;
}

function pairRow(rounds: Figures[], key: string, spec: { figure: string; unit: (v: number) => string; max?: number }): BenchRow {
  const ratio = median(rounds.map((f) => f[key].casterpak / f[key].vod));
  return {
    figure: spec.figure,
    casterpak: cellOf(rounds, key, 'casterpak', spec.unit),
    reference: `nginx-vod-module: ${cellOf(rounds, key, 'vod', spec.unit)}`,
    ratio: `${ratio.toFixed(2)}x`,
    target: spec.max === undefined ? '' : `<= ${spec.max}x`,
    met: spec.max === undefined ? undefined : ratio <= spec.max,
  };
}

function rowsOf(rounds: Figures[], sizeBytes: number): BenchRow[] {
  const source = `${LONG_MINUTES} min 720p (${(sizeBytes / 1e9).toFixed(2)} GB)`;
  const label: Record<Format, string> = { ts: 'MPEG-TS HLS', fmp4: 'CMAF vs fMP4 HLS', dash: 'CMAF vs DASH' };
  const peak = median(rounds.map((f) => f.hwm.casterpak));
  const loads = rounds.flatMap((f) => [f.load.casterpak, f.load.vod]);
  return [
    pairRow(rounds, 'first', { figure: `First media playlist after start-up, ${source}`, unit: ms }),
    ...FORMATS.map((format) => pairRow(rounds, `cold-${format}`, { figure: `Cold ${format === 'dash' ? 'MPD' : 'media playlist'}, warm process, ${label[format]}`, unit: ms, max: 3 })),
    ...(['ts', 'fmp4'] as const).map((format) => pairRow(rounds, `cold-master-${format}`, { figure: `Cold master playlist, warm process, ${label[format]}`, unit: ms, max: 3 })),
    ...FORMATS.map((format) => pairRow(rounds, `miss-${format}`, { figure: `Segment miss p50 (video + audio), ${label[format]} (${MISS_SAMPLES} segments)`, unit: ms, max: 2 })),
    ...FORMATS.map((format) => {
      const row = pairRow(rounds, `cpu-${format}`, { figure: `CPU per segment miss (daemon + nginx worker vs vod worker), ${label[format]}`, unit: ms, max: 2 });
      return { ...row, casterpak: `${row.casterpak}, nginx worker ${ms(median(rounds.map((f) => f[`front-cpu-${format}`].casterpak)))}` };
    }),
    {
      ...pairRow(rounds, 'hwm', { figure: `Peak RSS packaging every segment (${rounds[0].segments.casterpak} / ${rounds[0].segments.vod}) of the ${source.split(' (')[1].slice(0, -1)} source`, unit: mb }),
      casterpak: `daemon ${cellOf(rounds, 'hwm', 'casterpak', mb)}, nginx worker ${cellOf(rounds, 'front', 'casterpak', mb)}`,
      target: '<= 80 MB',
      met: peak <= 80e6,
    },
    pairRow(rounds, 'rss', { figure: 'RSS after packaging every segment', unit: mb }),
    pairRow(rounds, 'bytes', { figure: 'MPEG-TS bytes served for every segment (the same media on both sides)', unit: mb }),
    pairRow(rounds, 'throughput-ts', { figure: 'Whole-rendition throughput, every MPEG-TS segment a miss, one request at a time', unit: mbPerSec }),
    pairRow(rounds, 'bytes-fmp4', { figure: 'fMP4 bytes served for every segment (CMAF: video and audio files)', unit: mb }),
    pairRow(rounds, 'throughput-fmp4', { figure: 'Whole-rendition throughput, CMAF vs fMP4 HLS, every segment a miss', unit: mbPerSec }),
    { figure: 'Load average (1 min) at the start and end of each round', casterpak: loads.map((l) => l.toFixed(1)).join(', '), reference: `${os.cpus().length} CPUs`, ratio: '', target: '' },
  ];
}

const NOT_MEASURED: BenchRow = {
  figure: 'Per-miss cost against nginx-vod-module',
  casterpak: 'not measured',
  reference: 'set CASTERPAK_BENCH_VOD_NGINX to an nginx built with test/bench/build-vod-reference.sh',
  ratio: '',
  target: '',
};

export const vodBench: BenchModule = {
  name: 'nginx-vod-module',
  async run() {
    const binary = process.env.CASTERPAK_BENCH_VOD_NGINX;
    if (!binary) return [NOT_MEASURED];
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-vod-'));
    let stack: CasterpakStack | undefined;
    let vod: VodNginx | undefined;
    try {
      const src = await makeLongRendition(scratch);
      await src.handle.close();
      stack = await startCasterpakStack(SEGMENT_SEC);
      vod = await startVodNginx(binary, stack.mediaRoot);
      const b: Bench = { binary, source: src.absPath, stack, vod, copies: 0 };
      const rounds: Figures[] = [];
      try {
        for (let r = 0; r < ROUNDS; r++) rounds.push(await round(b, r));
      } finally {
        vod = b.vod;
      }
      return rowsOf(rounds, src.sizeBytes);
    } finally {
      await vod?.stop();
      await stack?.dispose();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  },
};
