// One CMAF media segment of one track: the planned segment's samples of that track read from the source, then fragmented.

import { CasterpakError } from '../../errors.js';
import { mediaSegmentChunks } from '../../fmp4/fragment.js';
import { fragmentFields, rangeOf, shiftTicks, trackOf, type CmafTrackKind } from '../../fmp4/track-segments.js';
import { concatBytes } from '../../mp4/bytes.js';
import type { Movie } from '../../mp4/types.js';
import type { SegmentPlan } from '../../plan/types.js';
import { readSampleBytes, sampleRanges, type SampleReadSource } from './segment-input.js';

export interface CmafSegmentSource extends SampleReadSource {
  readonly movie: Movie;
  readonly plan: SegmentPlan;
}

/**
 * Segment `n` (1-based) of the track, handed to `use` as mediaSegmentChunks' pieces: views of the read
 * buffer, which goes back to the pool once `use` settles. NOT_FOUND when the plan has no such segment
 * or the track no samples in it.
 */
export async function withCmafMediaSegment<T>(
  source: CmafSegmentSource,
  wanted: { readonly kind: CmafTrackKind; readonly n: number },
  signal: AbortSignal | undefined,
  use: (chunks: readonly Uint8Array[]) => Promise<T>,
): Promise<T> {
  const { kind, n } = wanted;
  const track = trackOf(source.movie, kind);
  const segment = Number.isInteger(n) ? source.plan.segments[n - 1] : undefined;
  const range = segment ? rangeOf(segment, kind) : undefined;
  if (!track || !range) {
    throw new CasterpakError('NOT_FOUND', `the rendition has no ${kind} segment ${n}`, { kind, n, segments: source.plan.segments.length });
  }
  // One track's samples are interleaved with the other track's (see readSampleBytes for how they are read).
  const { data, release } = await readSampleBytes(source, sampleRanges(track, range), signal);
  try {
    signal?.throwIfAborted();
    return await use(mediaSegmentChunks({ ...fragmentFields(track, range, n, shiftTicks(track, source.plan)), data }));
  } finally {
    release();
  }
}

/** Segment `n` of the track as bytes of its own (see withCmafMediaSegment). */
export function cmafMediaSegment(source: CmafSegmentSource, wanted: { readonly kind: CmafTrackKind; readonly n: number }, signal?: AbortSignal): Promise<Uint8Array> {
  return withCmafMediaSegment(source, wanted, signal, async (chunks) => concatBytes(chunks));
}

