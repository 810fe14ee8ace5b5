// Cache-hit throughput: nginx with the CasterPak drop-in vs plain nginx serving the same file, side by side.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { validateConfig } from '../../daemon/config.js';
import { makeClip, FFMPEG } from '../helpers/media.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/processes.js';
import type { BenchModule, BenchRow } from './table.js';
import { wrk, type WrkOptions, type WrkResult } from './wrk.js';

const run = promisify(execFile);

const TARGET_RATIO = 0.95;
const REL_DIR = 'i/bench.mp4';

function benchOptions(): WrkOptions & { rounds: number } {
  return {
    threads: 2,
    connections: 50,
    durationSec: Number(process.env.CASTERPAK_BENCH_SECONDS ?? 3),
    rounds: Number(process.env.CASTERPAK_BENCH_ROUNDS ?? 6),
  };
}

/** A real 10 s, 640×360 H.264/AAC segment and a playlist naming it, placed where the drop-in finds hits. */
async function makeCachedFiles(cacheDir: string): Promise<{ segmentBytes: number; playlistBytes: number }> {
  const dir = path.join(cacheDir, REL_DIR);
  mkdirSync(dir, { recursive: true });
  const source = path.join(cacheDir, '..', 'source.mp4');
  await makeClip(source, { durationSec: 10, width: 640, height: 360, gopSec: 2 });
  const segment = path.join(dir, 'segment1_0_av.ts');
  await run(FFMPEG, ['-nostdin', '-v', 'error', '-y', '-i', source, '-c', 'copy', '-f', 'mpegts', segment]);
  const playlist = ['#EXTM3U', '#EXT-X-TARGETDURATION:10', '#EXT-X-ALLOW-CACHE:YES', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-VERSION:3', '#EXT-X-MEDIA-SEQUENCE:1', '#EXTINF:10.000,', 'segment1_0_av.ts', '#EXT-X-ENDLIST', ''].join('\n');
  writeFileSync(path.join(dir, 'index_0_av.m3u8'), playlist);
  return { segmentBytes: statSync(segment).size, playlistBytes: Buffer.byteLength(playlist) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface SideBySide {
  casterpak: WrkResult;
  reference: WrkResult;
  /** The median over rounds of casterpak ÷ reference requests/s, each pair measured back to back. */
  ratio: number;
}

/** The round whose requests/s is the median of its side: a typical round, not a lucky one. */
function typical(list: WrkResult[]): WrkResult {
  const mid = median(list.map((r) => r.requestsPerSec));
  return list.reduce((a, b) => (Math.abs(b.requestsPerSec - mid) < Math.abs(a.requestsPerSec - mid) ? b : a));
}

/**
 * Many short rounds, each measuring both URLs back to back in alternating order, so that other load
 * on the machine (which comes and goes) weighs on both sides alike; the ratio is the median per-round ratio.
 */
async function sideBySide(nginx: RunningNginx, name: string, opts: WrkOptions & { rounds: number }): Promise<SideBySide> {
  const urls = { casterpak: `${nginx.baseUrl}/${REL_DIR}/${name}`, reference: `${nginx.baseUrl}/static/${name}` };
  const results: Record<'casterpak' | 'reference', WrkResult[]> = { casterpak: [], reference: [] };
  for (let round = 0; round < opts.rounds; round += 1) {
    const order: Array<'casterpak' | 'reference'> = round % 2 === 0 ? ['reference', 'casterpak'] : ['casterpak', 'reference'];
    for (const side of order) results[side].push(await wrk(urls[side], opts));
  }
  const ratios = results.casterpak.map((c, i) => c.requestsPerSec / results.reference[i].requestsPerSec);
  return { casterpak: typical(results.casterpak), reference: typical(results.reference), ratio: median(ratios) };
}

function rows(label: string, r: SideBySide): BenchRow[] {
  const ratio = r.ratio;
  const mbps = (w: WrkResult) => `${(w.transferBytesPerSec / 1024 ** 2).toFixed(0)} MiB/s`;
  return [
    {
      figure: `Cache-hit throughput, ${label} (median of rounds)`,
      casterpak: `${r.casterpak.requestsPerSec.toFixed(0)} req/s (${mbps(r.casterpak)})`,
      reference: `${r.reference.requestsPerSec.toFixed(0)} req/s (${mbps(r.reference)})`,
      ratio: ratio.toFixed(3),
      target: `>= ${TARGET_RATIO}`,
      met: ratio >= TARGET_RATIO,
    },
    {
      figure: `Cache-hit latency p50 / p99, ${label}`,
      casterpak: `${r.casterpak.latencyP50Ms.toFixed(2)} / ${r.casterpak.latencyP99Ms.toFixed(2)} ms`,
      reference: `${r.reference.latencyP50Ms.toFixed(2)} / ${r.reference.latencyP99Ms.toFixed(2)} ms`,
      ratio: (r.casterpak.latencyP50Ms / r.reference.latencyP50Ms).toFixed(3),
      target: '',
    },
  ];
}

export const hitsBench: BenchModule = {
  name: 'cache hits through nginx',
  async run() {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-bench-hits-'));
    let nginx: RunningNginx | undefined;
    try {
      const cacheDir = path.join(scratch, 'cache');
      const sizes = await makeCachedFiles(cacheDir);
      // Hits never reach the daemon: the upstream is a closed port, and any miss would show as a 502.
      const config = validateConfig({ cache_dir: cacheDir, access_log: path.join(scratch, 'log', 'casterpak.access.log'), listen: `127.0.0.1:${await freePort()}` });
      // The reference: the same file as a plain static location, logged in nginx's default format as Debian does.
      const reference = `location ^~ /static/ { alias ${path.join(cacheDir, REL_DIR)}/; }`;
      nginx = await startNginx({ config, extraServer: reference, workerProcesses: 1 });
      const opts = benchOptions();
      const segment = await sideBySide(nginx, 'segment1_0_av.ts', opts);
      const playlist = await sideBySide(nginx, 'index_0_av.m3u8', opts);
      return [
        ...rows(`10 s segment (${(sizes.segmentBytes / 1024).toFixed(0)} KiB)`, segment),
        ...rows(`media playlist (${sizes.playlistBytes} B)`, playlist),
      ];
    } finally {
      await nginx?.stop();
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
