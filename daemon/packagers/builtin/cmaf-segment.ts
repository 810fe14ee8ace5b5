// One CMAF media segment of one track: the planned segment's samples of that track read from the source, then fragmented.

import { CasterpakError } from '../../errors.js';
import { mediaSegment } from '../../fmp4/fragment.js';
import { fragmentFields, rangeOf, shiftTicks, trackOf, type CmafTrackKind } from '../../fmp4/track-segments.js';
import type { Movie } from '../../mp4/types.js';
import type { SegmentPlan } from '../../plan/types.js';
import { readSampleBytes, sampleRanges, type SampleReadSource } from './segment-input.js';

export interface CmafSegmentSource extends SampleReadSource {
  readonly movie: Movie;
  readonly plan: SegmentPlan;
}

/**
 * Segment `n` (1-based) of the track; NOT_FOUND when the plan has no such segment or the track no samples in it.
 * Written into `allocate`'s buffer when given (see mediaSegment).
 */
export async function cmafMediaSegment(
  source: CmafSegmentSource,
  wanted: { readonly kind: CmafTrackKind; readonly n: number; readonly allocate?: (sizeBytes: number) => Uint8Array },
  signal?: AbortSignal,
): Promise<Uint8Array> {
  const { kind, n, allocate } = wanted;
  const track = trackOf(source.movie, kind);
  const segment = Number.isInteger(n) ? source.plan.segments[n - 1] : undefined;
  const range = segment ? rangeOf(segment, kind) : undefined;
  if (!track || !range) {
    throw new CasterpakError('NOT_FOUND', `the rendition has no ${kind} segment ${n}`, { kind, n, segments: source.plan.segments.length });
  }
  // One track's samples are interleaved with the other track's: the same coalesced reads as a TS segment's.
  const { data, release } = await readSampleBytes(source, sampleRanges(track, range), signal);
  try {
    signal?.throwIfAborted();
    return mediaSegment({ ...fragmentFields(track, range, n, shiftTicks(track, source.plan)), data }, allocate);
  } finally {
    release();
  }
}
