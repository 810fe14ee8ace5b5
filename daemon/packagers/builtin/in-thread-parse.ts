// Small moovs are parsed on the event loop; what the bounds below cannot vouch for goes to the parse workers.

import { isCasterpakError } from '../../errors.js';
import type { RangeReader } from '../../mp4/types.js';
import type { SourceLimits } from '../../source-limits.js';
import { ProbeBudgetSpent } from './idr-probe.js';
import { parseAndPlan, type ParseOptions, type PlannedSource } from './parse-and-plan.js';

/**
 * Bounds under which a parse costs the event loop little enough to skip the worker's round trip, each
 * decided before the allocation or the work it bounds (the moov's size from its header, the sample
 * counts from stsz/stz2 before any table is built, box headers as they are walked, batches of IDR
 * probe reads as they start):
 * - 4 MiB of moov and 500,000 samples (about 15 MB of tables, some 60 ms of parsing): a two-hour
 *   30 fps title with 48 kHz AAC has about 550,000, a 30-minute 720p one 138,000 in 1.6 MB of moov;
 * - 10,000 box headers walked: a real moov has a few hundred, each walked a few times;
 * - 8 batches of cut-candidate reads: real files need one or two; sync samples that are not IDR
 *   pictures make the planner repeat the walk once per candidate, which only a worker may afford.
 */
export const IN_THREAD_BOUNDS = { maxMoovBytes: 4 * 1024 * 1024, maxSamples: 500_000, maxMoovBoxes: 10_000, maxProbeBatches: 8 } as const;

/** The configured [limits], tightened to the in-thread bounds. */
export function inThreadLimits(limits: SourceLimits): SourceLimits {
  return {
    ...limits,
    maxMoovBytes: Math.min(limits.maxMoovBytes, IN_THREAD_BOUNDS.maxMoovBytes),
    maxSamples: Math.min(limits.maxSamples, IN_THREAD_BOUNDS.maxSamples),
    maxMoovBoxes: Math.min(limits.maxMoovBoxes, IN_THREAD_BOUNDS.maxMoovBoxes),
  };
}

/**
 * Parses and plans on this thread within the in-thread bounds; undefined when the source goes past one
 * of them (or past a configured limit: the worker then answers with the configured limits, the
 * authoritative refusal), so that the caller hands it to a worker.
 */
export async function parseInThread(reader: RangeReader, options: ParseOptions): Promise<PlannedSource | undefined> {
  try {
    return await parseAndPlan(reader, { ...options, limits: inThreadLimits(options.limits), maxProbeBatches: IN_THREAD_BOUNDS.maxProbeBatches });
  } catch (err) {
    if (err instanceof ProbeBudgetSpent || (isCasterpakError(err) && err.code === 'MP4_LIMIT')) return undefined;
    throw err;
  }
}
