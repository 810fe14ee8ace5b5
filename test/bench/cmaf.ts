// CMAF beside MPEG-TS, from the same source in the same run: cold master/manifest, segment misses (latency and CPU), throughput.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cmafBaseUri } from '../../daemon/layout/uris.js';
import { renderCmafMaster } from '../../daemon/master/cmaf-hls.js';
import { describeCmafRendition } from '../../daemon/master/cmaf-rendition.js';
import { renderMpd } from '../../daemon/master/mpd.js';
import { createBuiltinPackager, type BuiltinPackager } from '../../daemon/packagers/builtin.js';
import { ParsePool } from '../../daemon/packagers/builtin/parse-pool.js';
import type { OpenSource } from '../../daemon/source/open-source.js';
import { LONG_MINUTES, makeLongRendition, quantile } from './builtin.js';
import type { BenchModule, BenchRow } from './table.js';

const SEGMENT_SEC = 10;
/** Segments sampled for the miss figures, spread over the rendition in a fixed order. */
const SAMPLED_SEGMENTS = 40;

const signal = () => new AbortController().signal;

interface Cost {
  readonly ms: number;
  /** CPU of the whole process (user + system), all threads, in milliseconds. */
  readonly cpuMs: number;
}

async function cost(work: () => Promise<unknown>): Promise<Cost> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Median of five cold runs, each with a new packager (nothing parsed is kept between runs) on one warm worker pool. */
async function coldMs(src: OpenSource, pool: ParsePool, work: (packager: BuiltinPackager) => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push((await cost(() => work(createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC, parsePool: pool })))).ms);
  return quantile(runs, 0.5);
}

async function coldRows(src: OpenSource, pool: ParsePool): Promise<BenchRow> {
  const baseUri = cmafBaseUri({ publicBaseUrl: '', urlPrefix: '/i/', sourceRel: src.relPath, from: 'rendition' });
  const tsMs = await coldMs(src, pool, (packager) => packager.plan(src));
  const cmafMs = await coldMs(src, pool, async (packager) => {
    const { movie, plan } = await packager.plannedMovie(src);
    const renditions = [describeCmafRendition(baseUri, movie, plan)];
    return [renderCmafMaster({ renditions, independentSegments: plan.independentSegments }), renderMpd({ renditions, independentSegments: plan.independentSegments })];
  });
  return {
    figure: `Cold CMAF master + DASH MPD, ${LONG_MINUTES} min 720p`,
    casterpak: `${cmafMs.toFixed(0)} ms`,
    reference: `TS media playlist: ${tsMs.toFixed(0)} ms`,
    ratio: `${(cmafMs / tsMs).toFixed(2)}`,
    target: '',
  };
}

/** One segment miss in each format, alternating, with the plan already in memory (as after the playlist request). */
async function missRows(src: OpenSource, packager: BuiltinPackager): Promise<BenchRow[]> {
  const { plan } = await packager.plannedMovie(src);
  const ts: Cost[] = [];
  const cmaf: Cost[] = [];
  for (let i = 0; i < SAMPLED_SEGMENTS; i++) {
    const n = plan.segments[(i * 7919) % plan.segments.length].number;
    ts.push(await cost(() => packager.segment(src, n, signal())));
    cmaf.push(await cost(() => Promise.all([packager.cmafSegment(src, 'video', n, signal()), packager.cmafSegment(src, 'audio', n, signal())])));
  }
  const p = (costs: Cost[], q: number) => quantile(costs.map((c) => c.ms), q);
  const cpu = (costs: Cost[]) => costs.reduce((sum, c) => sum + c.cpuMs, 0) / costs.length;
  return [
    {
      figure: `CMAF segment miss p50 / p99 (video + audio files), 10 s 720p (${SAMPLED_SEGMENTS} segments)`,
      casterpak: `${p(cmaf, 0.5).toFixed(1)} / ${p(cmaf, 0.99).toFixed(1)} ms`,
      reference: `TS segment: ${p(ts, 0.5).toFixed(1)} / ${p(ts, 0.99).toFixed(1)} ms`,
      ratio: `${(p(cmaf, 0.5) / p(ts, 0.5)).toFixed(2)}`,
      target: '',
    },
    {
      figure: 'CPU per segment miss (process, all threads)',
      casterpak: `${cpu(cmaf).toFixed(1)} ms`,
      reference: `TS segment: ${cpu(ts).toFixed(1)} ms`,
      ratio: `${(cpu(cmaf) / cpu(ts)).toFixed(2)}`,
      target: '',
    },
  ];
}

/** Every segment of the rendition made in memory, in each format: MB of output per second. */
async function throughputRow(src: OpenSource, packager: BuiltinPackager): Promise<BenchRow> {
  const { plan } = await packager.plannedMovie(src);
  let tsBytes = 0;
  let cmafBytes = 0;
  const tsCost = await cost(async () => {
    for (const segment of plan.segments) tsBytes += (await packager.segment(src, segment.number, signal())).length;
  });
  const cmafCost = await cost(async () => {
    for (const segment of plan.segments) {
      for (const track of ['video', 'audio'] as const) cmafBytes += (await packager.cmafSegment(src, track, segment.number, signal())).length;
    }
  });
  const mbps = (bytes: number, c: Cost) => bytes / 1e6 / (c.ms / 1000);
  return {
    figure: 'Whole-rendition throughput in memory (every segment made)',
    casterpak: `CMAF ${mbps(cmafBytes, cmafCost).toFixed(0)} MB/s (${(cmafBytes / 1e6).toFixed(0)} MB)`,
    reference: `TS ${mbps(tsBytes, tsCost).toFixed(0)} MB/s (${(tsBytes / 1e6).toFixed(0)} MB)`,
    ratio: (mbps(cmafBytes, cmafCost) / mbps(tsBytes, tsCost)).toFixed(2),
    target: '',
  };
}

export const cmafBench: BenchModule = {
  name: 'cmaf packager',
  async run() {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-cmaf-'));
    const pool = new ParsePool();
    try {
      const src = await makeLongRendition(scratch);
      try {
        const packager = createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC, parsePool: pool });
        return [await coldRows(src, pool), ...(await missRows(src, packager)), await throughputRow(src, packager)];
      } finally {
        await src.handle.close();
      }
    } finally {
      await pool.close();
      await fs.rm(scratch, { recursive: true, force: true });
    }
  },
};
