// Reads the first bytes of sync samples (batched, bounded) so the planner knows which are IDR pictures or other random access points.

import type { RangeReader, VideoTrack } from '../../mp4/types.js';
import { findVideoCuts } from '../../plan/cuts.js';
import { classifyAccessUnit, type ProbeCursor } from '../../plan/nal-classify.js';
import { IDR, NOT_IDR, RECOVERY, type IdrMarks } from '../../plan/types.js';
import { readRanges } from '../../source/ranged-reads.js';

/**
 * One page from each candidate: enough for the AUD, parameter sets and the SEI most encoders put before
 * the first slice (x264's own SEI is 600-800 bytes), so one read per candidate is the rule and a second
 * hop the exception. A page costs the same read as 64 bytes (the page cache copies whole pages), and each
 * read is a round trip through libuv's thread pool, which is what a probe costs: on the benchmark title's
 * 180 candidates, two hops of 64 bytes took 7-15 ms, one hop of 4 KiB 2.6-5 ms.
 */
const PROBE_BYTES = 4096;
/** A sample whose first slice is not found after this many hops over non-VCL NAL units is not used as a cut. */
const MAX_HOPS = 8;
/**
 * Sync samples closer than this are read in one call (short GOPs at low bitrates). A local file's
 * probes are read on this thread for up to 4 ms per batch (a cached title's 180 take well under one),
 * the rest through the thread pool: see readRanges.
 */
const PROBE_READ = { maxGapBytes: 4096, maxSpanBytes: 256 * 1024, concurrency: 16, syncBudgetMs: 4 };

interface Pending extends ProbeCursor {
  readonly sample: number;
}

const MARK_OF = { idr: IDR, recovery: RECOVERY, 'not-idr': NOT_IDR } as const;

/** Classifies `samples` (sync samples of `video`) into `marks`; returns the number of ranges read. */
export async function classifySamples(reader: RangeReader, video: VideoTrack, samples: readonly number[], marks: IdrMarks, signal?: AbortSignal): Promise<number> {
  const { offsets, sizes } = video.samples;
  let pending: Pending[] = samples.map((sample) => ({ sample, offsetInSample: 0, recoveryPoint: false }));
  let rangesRead = 0;
  for (let hop = 0; hop < MAX_HOPS && pending.length > 0; hop++) {
    const ranges = pending.map(({ sample, offsetInSample }) => ({
      offset: offsets[sample] + offsetInSample,
      length: Math.min(PROBE_BYTES, sizes[sample] - offsetInSample),
    }));
    const bytes = await readRanges(reader, ranges, { ...PROBE_READ, signal });
    rangesRead += ranges.length;
    const next: Pending[] = [];
    pending.forEach((cursor, index) => {
      const result = classifyAccessUnit(video, bytes[index], cursor, sizes[cursor.sample]);
      if (result.kind === 'need-bytes') next.push({ sample: cursor.sample, offsetInSample: result.offsetInSample, recoveryPoint: result.recoveryPoint });
      else marks[cursor.sample] = MARK_OF[result.kind];
    });
    pending = next;
  }
  for (const { sample } of pending) marks[sample] = NOT_IDR;
  return rangesRead;
}

/** The walk still needed candidates after the most batches the caller allowed (see classifyCutCandidates). */
export class ProbeBudgetSpent extends Error {
  constructor(readonly batches: number) {
    super(`cut candidates still unclassified after ${batches} batches of reads`);
  }
}

/**
 * Classifies exactly the sync samples a plan at `targetSec` depends on: the walk reports the
 * candidates it had to assume, they are read in one batch, and the walk repeats until it assumes
 * nothing. Usually one batch of about (duration / target) reads; marks persist for later targets.
 * Sync samples that are not IDR pictures make the walk repeat, once per such candidate at worst:
 * past `maxBatches` it stops with ProbeBudgetSpent.
 */
export async function classifyCutCandidates(reader: RangeReader, video: VideoTrack, targetSec: number, marks: IdrMarks, maxBatches = Infinity): Promise<number> {
  let rangesRead = 0;
  for (let batch = 0; ; batch++) {
    const { unknown } = findVideoCuts(video, targetSec, marks);
    if (unknown.length === 0) return rangesRead;
    if (batch >= maxBatches) throw new ProbeBudgetSpent(batch);
    rangesRead += await classifySamples(reader, video, unknown, marks);
  }
}
