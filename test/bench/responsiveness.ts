// Whether muxing stalls other requests: event-loop delay and /healthz latency while cold segment misses run, vs idle.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { makeLongRendition, quantile } from './builtin.js';
import type { BenchModule, BenchRow } from './table.js';

/** Misses in flight at once, each of a different source so none is answered by another's run. */
const CONCURRENT_MISSES = Number(process.env.CASTERPAK_BENCH_CONCURRENT_MISSES ?? 8);
/** Rounds of concurrent misses; each round asks for the next segment of every source. */
const ROUNDS = Number(process.env.CASTERPAK_BENCH_MISS_ROUNDS ?? 6);
const IDLE_MS = 2000;
/** Pause between two /healthz probes. */
const PROBE_GAP_MS = 10;
/** Beyond this a request waits behind muxing long enough to show; the "must not stall". */
const DELAY_TARGET_MS = 50;
/** nginx (the default): misses answer with X-Accel-Redirect, so the figure is muxing and publishing alone. */
const MODE = process.env.CASTERPAK_BENCH_MODE === 'standalone' ? 'standalone' : 'nginx';

interface Window {
  /** Event-loop delay p99 and max, ms. */
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
  /** /healthz round trips, ms. */
  readonly healthMs: number[];
}

/** Probes /healthz back to back and watches the event loop until `work` settles. */
async function measure(daemon: InProcessDaemon, work: Promise<unknown>): Promise<Window> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  histogram.enable();
  const healthMs: number[] = [];
  while (!done) {
    const start = performance.now();
    const response = await daemon.request('/healthz');
    await response.arrayBuffer();
    healthMs.push(performance.now() - start);
    await sleep(PROBE_GAP_MS);
  }
  histogram.disable();
  await finished;
  return { delayP99Ms: histogram.percentile(99) / 1e6, delayMaxMs: histogram.max / 1e6, healthMs };
}

/** ROUNDS rounds of CONCURRENT_MISSES cold segment misses, bodies read whole (only standalone mode has any). */
async function missRounds(daemon: InProcessDaemon, names: string[]): Promise<{ missMs: number[]; failed: number }> {
  const missMs: number[] = [];
  let failed = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    await Promise.all(
      names.map(async (name) => {
        const start = performance.now();
        const response = await daemon.request(`/i/${name}/segment${round}_0_av.ts`);
        await response.arrayBuffer();
        if (response.status === 200) missMs.push(performance.now() - start);
        else failed += 1;
      }),
    );
  }
  return { missMs, failed };
}

function rows(idle: Window, load: Window, misses: { missMs: number[]; failed: number }): BenchRow[] {
  const ms = (n: number) => n.toFixed(1);
  const label = `${CONCURRENT_MISSES} concurrent cold misses, 10 s 720p, ${MODE} mode (${ROUNDS} rounds)`;
  const failedNote = misses.failed > 0 ? `, ${misses.failed} failed` : '';
  const h50 = quantile(load.healthMs, 0.5);
  const h99 = quantile(load.healthMs, 0.99);
  return [
    {
      figure: `Event-loop delay p99 / max, ${label}`,
      casterpak: `${ms(load.delayP99Ms)} / ${ms(load.delayMaxMs)} ms`,
      reference: `idle: ${ms(idle.delayP99Ms)} / ${ms(idle.delayMaxMs)} ms`,
      ratio: `${ms(load.delayP99Ms)} ms p99`,
      target: `p99 <= ${DELAY_TARGET_MS} ms`,
      met: load.delayP99Ms <= DELAY_TARGET_MS,
    },
    {
      figure: `/healthz latency p50 / p99 meanwhile (miss p50 ${ms(quantile(misses.missMs, 0.5))} ms${failedNote})`,
      casterpak: `${ms(h50)} / ${ms(h99)} ms`,
      reference: `idle: ${ms(quantile(idle.healthMs, 0.5))} / ${ms(quantile(idle.healthMs, 0.99))} ms`,
      ratio: `${ms(h99)} ms p99`,
      target: `p99 <= ${DELAY_TARGET_MS} ms`,
      met: h99 <= DELAY_TARGET_MS && misses.failed === 0,
    },
  ];
}

export const responsivenessBench: BenchModule = {
  name: 'responsiveness',
  async run() {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-responsiveness-'));
    try {
      const src = await makeLongRendition(scratch, Math.ceil((ROUNDS * 10) / 60));
      const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 10, mode: MODE });
      // Hard links: the same bytes under distinct names are distinct sources, each missing on its own.
      const names = Array.from({ length: CONCURRENT_MISSES }, (_, i) => `r${i + 1}.mp4`);
      await Promise.all(names.map((name) => fs.link(src.absPath, path.join(daemon.mediaRoot, name))));
      // Playlists first, so the misses measured are segment muxes, not moov parsing.
      for (const name of names) await (await daemon.request(`/i/${name}/index_0_av.m3u8`)).arrayBuffer();
      const idle = await measure(daemon, sleep(IDLE_MS));
      let misses = { missMs: [] as number[], failed: 0 };
      const load = await measure(daemon, missRounds(daemon, names).then((m) => (misses = m)));
      await fs.rm(path.dirname(daemon.mediaRoot), { recursive: true, force: true });
      return rows(idle, load, misses);
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  },
};
