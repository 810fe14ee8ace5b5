// Remote sources: cold playlist and segment-miss latency from an nginx origin on loopback, beside the same file on disk, and origin bytes per segment.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CacheFiller } from '../../daemon/cache/filler.js';
import { validateConfig } from '../../daemon/config.js';
import { createApp } from '../../daemon/http/app.js';
import { silentLogger } from '../../daemon/log.js';
import { createPackager } from '../../daemon/packagers/index.js';
import { Store } from '../../daemon/store/store.js';
import { startHttpOrigin, type HttpOrigin } from '../helpers/http-origin.js';
import { LONG_MINUTES, makeLongRendition } from './builtin.js';
import { median } from './side-by-side.js';
import type { BenchModule, BenchRow } from './table.js';

const SEGMENT_SEC = 10;
const COLD_RUNS = 3;
const SAMPLED_SEGMENTS = 20;

interface Daemon {
  request(urlPath: string): Promise<Response>;
  close(): Promise<void>;
}

/** A daemon over fresh cache and state folders (so no moov cache), standalone, in this process. */
async function daemonOver(mediaRoot: string, scratch: string): Promise<Daemon> {
  const top = await fs.mkdtemp(path.join(scratch, 'daemon-'));
  const config = validateConfig({ media_root: mediaRoot, cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state'), mode: 'standalone', segment_duration: SEGMENT_SEC });
  await fs.mkdir(config.stateDir, { recursive: true });
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log: silentLogger });
  const { app } = createApp({ config, store, filler, log: silentLogger });
  return {
    request: (urlPath) => Promise.resolve(app.request(urlPath)),
    async close() {
      await filler.parsePool?.close();
      await filler.source.close();
      store.close();
    },
  };
}

async function timedOk(daemon: Daemon, urlPath: string): Promise<number> {
  const startedMs = performance.now();
  const res = await daemon.request(urlPath);
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${urlPath}: HTTP ${res.status}`);
  return performance.now() - startedMs;
}

/** Median cold media playlist over fresh daemons (moov fetched, parsed and planned each time). */
async function coldPlaylistMs(mediaRoot: string, scratch: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const daemon = await daemonOver(mediaRoot, scratch);
    try {
      runs.push(await timedOk(daemon, '/i/long.mp4/index_0_av.m3u8'));
    } finally {
      await daemon.close();
    }
  }
  return median(runs);
}

/** Segment misses after the playlist (plan in memory): median latency, and the origin's bytes per miss. */
async function segmentMisses(mediaRoot: string, scratch: string, origin?: HttpOrigin): Promise<{ ms: number; bytesPerSegment: number }> {
  const daemon = await daemonOver(mediaRoot, scratch);
  try {
    const playlist = await (await daemon.request('/i/long.mp4/index_0_av.m3u8')).text();
    const count = playlist.split('\n').filter((line) => line.startsWith('segment')).length;
    const from = origin?.requests().length ?? 0;
    const runs: number[] = [];
    for (let i = 0; i < SAMPLED_SEGMENTS; i++) runs.push(await timedOk(daemon, `/i/long.mp4/segment${1 + ((i * 7919) % count)}_0_av.ts`));
    return { ms: median(runs), bytesPerSegment: origin ? origin.bytesSent(from) / SAMPLED_SEGMENTS : 0 };
  } finally {
    await daemon.close();
  }
}

export const remoteBench: BenchModule = {
  name: 'remote sources',
  async run(): Promise<BenchRow[]> {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-remote-'));
    let origin: HttpOrigin | undefined;
    try {
      const src = await makeLongRendition(scratch);
      const { size } = await fs.stat(src.absPath);
      const segmentsInFile = Math.round((LONG_MINUTES * 60) / SEGMENT_SEC);
      await src.close();
      origin = await startHttpOrigin(scratch);
      const [remoteCold, localCold] = [await coldPlaylistMs(origin.mediaRoot, scratch), await coldPlaylistMs(scratch, scratch)];
      const remoteMiss = await segmentMisses(origin.mediaRoot, scratch, origin);
      const localMiss = await segmentMisses(scratch, scratch);
      const averageSegmentBytes = size / segmentsInFile;
      return [
        {
          figure: `Cold media playlist from an HTTP origin on loopback, ${LONG_MINUTES} min 720p (median of ${COLD_RUNS})`,
          casterpak: `${remoteCold.toFixed(0)} ms`,
          reference: `same file on disk: ${localCold.toFixed(0)} ms`,
          ratio: (remoteCold / localCold).toFixed(2),
          target: '',
        },
        {
          figure: `Segment miss from an HTTP origin on loopback, median of ${SAMPLED_SEGMENTS} (plan in memory)`,
          casterpak: `${remoteMiss.ms.toFixed(1)} ms`,
          reference: `same file on disk: ${localMiss.ms.toFixed(1)} ms`,
          ratio: (remoteMiss.ms / localMiss.ms).toFixed(2),
          target: '',
        },
        {
          figure: 'Origin bytes per segment miss',
          casterpak: `${(remoteMiss.bytesPerSegment / 1e6).toFixed(2)} MB`,
          reference: `file bytes per segment: ${(averageSegmentBytes / 1e6).toFixed(2)} MB`,
          ratio: (remoteMiss.bytesPerSegment / averageSegmentBytes).toFixed(3),
          target: '≤ 1.25',
          met: remoteMiss.bytesPerSegment <= 1.25 * averageSegmentBytes,
        },
      ];
    } finally {
      await origin?.stop();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  },
};
