// Cache-hit throughput: nginx with the CasterPak drop-in vs plain nginx serving the same file, side by side.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { validateConfig } from '../../daemon/config.js';
import { makeClip } from '../helpers/clip.js';
import { FFMPEG } from '../helpers/media.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/processes.js';
import type { BenchModule, BenchRow } from './table.js';
import { sideBySide, type Measured, type SideBySide } from './side-by-side.js';
import type { WrkOptions } from './wrk.js';

const run = promisify(execFile);

const TARGET_RATIO = 0.95;
const REL_DIR = 'i/bench.mp4';

function benchOptions(): WrkOptions & { rounds: number } {
  return {
    threads: 2,
    connections: 50,
    durationSec: Number(process.env.CASTERPAK_BENCH_SECONDS ?? 2),
    rounds: Number(process.env.CASTERPAK_BENCH_ROUNDS ?? 10),
  };
}

/** A real 10 s, 640×360 H.264/AAC segment and a playlist naming it, placed where the drop-in finds hits. */
async function makeCachedFiles(cacheDir: string): Promise<{ segmentBytes: number; playlistBytes: number }> {
  const dir = path.join(cacheDir, REL_DIR);
  mkdirSync(dir, { recursive: true });
  const source = path.join(cacheDir, '..', 'source.mp4');
  makeClip(source, { durationSec: 10, size: '640x360', gopFrames: 50 });
  const segment = path.join(dir, 'segment1_0_av.ts');
  await run(FFMPEG, ['-nostdin', '-v', 'error', '-y', '-i', source, '-c', 'copy', '-f', 'mpegts', segment]);
  const playlist = ['#EXTM3U', '#EXT-X-TARGETDURATION:10', '#EXT-X-ALLOW-CACHE:YES', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-VERSION:3', '#EXT-X-MEDIA-SEQUENCE:1', '#EXTINF:10.000,', 'segment1_0_av.ts', '#EXT-X-ENDLIST', ''].join('\n');
  writeFileSync(path.join(dir, 'index_0_av.m3u8'), playlist);
  return { segmentBytes: statSync(segment).size, playlistBytes: Buffer.byteLength(playlist) };
}

function rows(label: string, r: SideBySide): BenchRow[] {
  const mbps = (w: Measured) => `${(w.transferBytesPerSec / 1024 ** 2).toFixed(0)} MiB/s`;
  const cpuUs = (w: Measured) => `${(w.cpuSecPerRequest * 1e6).toFixed(1)} µs`;
  return [
    {
      figure: `Cache-hit throughput, ${label}`,
      casterpak: `${r.casterpak.requestsPerSec.toFixed(0)} req/s (${mbps(r.casterpak)})`,
      reference: `${r.reference.requestsPerSec.toFixed(0)} req/s (${mbps(r.reference)})`,
      ratio: r.throughputRatio.toFixed(3),
      target: `>= ${TARGET_RATIO}`,
      met: r.throughputRatio >= TARGET_RATIO,
    },
    {
      figure: `nginx worker CPU per hit, ${label}`,
      casterpak: cpuUs(r.casterpak),
      reference: cpuUs(r.reference),
      ratio: r.cpuRatio.toFixed(3),
      target: '',
    },
    {
      figure: `Cache-hit latency p50 / p99, ${label}`,
      casterpak: `${r.casterpak.latencyP50Ms.toFixed(2)} / ${r.casterpak.latencyP99Ms.toFixed(2)} ms`,
      reference: `${r.reference.latencyP50Ms.toFixed(2)} / ${r.reference.latencyP99Ms.toFixed(2)} ms`,
      ratio: '',
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
      const running = await startNginx({ config, extraServer: reference, workerProcesses: 1 });
      nginx = running;
      const opts = benchOptions();
      const urls = (name: string) => ({ casterpak: `${running.baseUrl}/${REL_DIR}/${name}`, reference: `${running.baseUrl}/static/${name}` });
      const segment = await sideBySide(running.pid, urls('segment1_0_av.ts'), opts);
      const playlist = await sideBySide(running.pid, urls('index_0_av.m3u8'), opts);
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
