// One CMAF media segment of one track: the planned segment's samples of that track read from the source, then fragmented.

import { CasterpakError } from '../../errors.js';
import { mediaSegment } from '../../fmp4/fragment.js';
import { fragmentFields, rangeOf, shiftTicks, trackOf, type CmafTrackKind } from '../../fmp4/track-segments.js';
import type { Movie, RangeReader } from '../../mp4/types.js';
import type { SegmentPlan } from '../../plan/types.js';
import { coalescedBytes, readRanges, type ByteRange } from '../../source/ranged-reads.js';
import type { ScratchPool } from '../../source/scratch-pool.js';

/** One track's samples of a segment are interleaved with the other track's: small gaps are read through. */
const TRACK_READ = { maxGapBytes: 64 * 1024, maxSpanBytes: 16 * 1024 * 1024, concurrency: 4 };

export interface CmafSegmentSource {
  readonly reader: RangeReader & { read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> };
  readonly scratch: ScratchPool;
  readonly movie: Movie;
  readonly plan: SegmentPlan;
}

/** Segment `n` (1-based) of the track; NOT_FOUND when the plan has no such segment or the track no samples in it. */
export async function cmafMediaSegment(source: CmafSegmentSource, kind: CmafTrackKind, n: number, signal?: AbortSignal): Promise<Uint8Array> {
  const track = trackOf(source.movie, kind);
  const segment = Number.isInteger(n) ? source.plan.segments[n - 1] : undefined;
  const range = segment ? rangeOf(segment, kind) : undefined;
  if (!track || !range) {
    throw new CasterpakError('NOT_FOUND', `the rendition has no ${kind} segment ${n}`, { kind, n, segments: source.plan.segments.length });
  }
  const ranges: ByteRange[] = [];
  for (let i = range.firstSample; i <= range.lastSample; i++) ranges.push({ offset: track.samples.offsets[i], length: track.samples.sizes[i] });
  const buffer = source.scratch.take(coalescedBytes(ranges, TRACK_READ));
  try {
    const data = await readRanges(source.reader, ranges, { ...TRACK_READ, signal }, buffer);
    signal?.throwIfAborted();
    return mediaSegment({ ...fragmentFields(track, range, n, shiftTicks(track, source.plan)), data });
  } finally {
    source.scratch.give(buffer);
  }
}
