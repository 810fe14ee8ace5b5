// What a parse worker does for one source: read the moov, classify the cut candidates, plan the segments.

import type { SourceLimits } from '../../source-limits.js';
import { readMovie } from '../../mp4/read-movie.js';
import type { Movie, RangeReader } from '../../mp4/types.js';
import { planSegments } from '../../plan/segment-plan.js';
import { newIdrMarks, type IdrMarks, type SegmentPlan } from '../../plan/types.js';
import { classifyCutCandidates } from './idr-probe.js';

export interface PlannedSource {
  readonly movie: Movie;
  /** IDR classification of the video's sync samples, as far as the plan needed it. */
  readonly marks: IdrMarks;
  readonly plan: SegmentPlan;
}

export interface ParseOptions {
  readonly segmentDurationSec: number;
  /** The [limits] the source must stay within, checked from the moov before its tables are built. */
  readonly limits: SourceLimits;
  /** Batches of cut-candidate reads allowed before giving up with ProbeBudgetSpent (default: no bound). */
  readonly maxProbeBatches?: number;
}

export async function parseAndPlan(reader: RangeReader, options: ParseOptions): Promise<PlannedSource> {
  const { segmentDurationSec, limits } = options;
  const movie = await readMovie(reader, { limits, segmentDurationSec });
  const marks = newIdrMarks(movie.video?.samples.count ?? 0);
  if (movie.video) await classifyCutCandidates(reader, movie.video, segmentDurationSec, marks, options.maxProbeBatches);
  return { movie, marks, plan: planSegments(movie, { segmentDurationSec, limits }, marks) };
}

/**
 * The buffers a result can hand over instead of copying (structured clone copies a typed array's whole
 * buffer, so only views that span their buffer are moved; parameter sets are small copies already).
 */
export function transferableBuffers(source: PlannedSource): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (view: ArrayBufferView) => {
    if (view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) buffers.add(view.buffer);
  };
  for (const track of [source.movie.video, source.movie.audio, ...(source.movie.audioTracks ?? [])]) {
    if (!track) continue;
    const { offsets, sizes, dts, cts, durations, sync } = track.samples;
    for (const column of [offsets, sizes, dts, cts, durations, sync]) add(column);
  }
  add(source.marks);
  return [...buffers];
}
