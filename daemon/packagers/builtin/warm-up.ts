// Start-up warm-up: the parse, plan, mux and master-model code run a few times on a small bundled rendition, so the first real miss does not pay for compiling them.

import { promises as fs } from 'node:fs';
import { variantFacts } from '../../master/variant.js';
import { muxSegment } from '../../mpegts/muxer.js';
import { renderMediaPlaylist } from '../../plan/playlist.js';
import { planSegments } from '../../plan/segment-plan.js';
import type { SourceLimits } from '../../source-limits.js';
import { handleReader } from '../../source/file-reader.js';
import { ScratchPool } from '../../source/scratch-pool.js';
import { parseInThread } from './in-thread-parse.js';
import type { PlannedSource } from './parse-and-plan.js';
import { readSegmentInput } from './segment-input.js';

/**
 * Plans of the parsed demo after the parse and mux rounds, without reading: the per-sample passes of
 * planning (each track's presentation range, audio assigned to segments) run once or twice per plan
 * over the demo's 860 samples, too few for the optimising compiler in 20 rounds; the first 30-minute
 * source (138,000 samples) then ran them interpreted until on-stack replacement (seen with
 * --trace-opt). 200 plans of the demo take about 20 ms at start-up.
 */
const PLAN_ROUNDS = 200;
/**
 * The master's model of every TS segment (variant.ts) over the demo's plan: the layout stage runs in
 * the mux rounds already, but the model's own passes did not, and the first cold master after start-up
 * took 118-171 ms against 40-80 ms for the next ones; with these rounds it took 60-104 ms. 60 rounds
 * of the demo (two segments) take 25-40 ms at start-up.
 */
const FACTS_ROUNDS = 60;

export interface WarmUpOptions {
  readonly segmentDurationSec: number;
  readonly limits: SourceLimits;
  /** Parse, plan and mux passes over the file: enough for the optimising compiler to take the hot loops. */
  readonly rounds: number;
}

/**
 * Parses, plans and muxes every segment of `file` `rounds` times, keeping nothing and writing nothing.
 * Measured on the 2-core build machine: the first media playlist after start-up took 3-4 times a
 * warm one (the parser's loops still interpreted); a few passes over a 12-second rendition at
 * start-up bring it near the warm figure. Returns false when the file cannot be used (missing, not
 * parseable on this thread), which only means no warm-up.
 */
export async function warmUpOn(file: string, options: WarmUpOptions): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const reader = handleReader(handle, (await handle.stat()).size, file);
    const scratch = new ScratchPool(1);
    const outputs = new ScratchPool(1);
    let last: PlannedSource | undefined;
    for (let round = 0; round < options.rounds; round++) {
      const planned = await parseInThread(reader, { segmentDurationSec: options.segmentDurationSec, limits: options.limits });
      if (!planned) return false;
      last = planned;
      const { movie, marks, plan } = planned;
      renderMediaPlaylist({ durationsSec: plan.segments.map((s) => s.durationSec), segmentUri: (n) => `segment${n}.ts`, allowCache: false });
      for (const segment of plan.segments) {
        const { input, release } = await readSegmentInput({ reader, scratch, movie, marks, plan }, segment);
        try {
          outputs.give(muxSegment(input, (bytes) => outputs.take(bytes)));
        } finally {
          release();
        }
      }
    }
    for (let round = 0; last && round < PLAN_ROUNDS; round++) planSegments(last.movie, options, last.marks);
    for (let round = 0; last && round < FACTS_ROUNDS; round++) variantFacts(last.movie, last.plan.segments, last.plan.shift90k);
    return true;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}
