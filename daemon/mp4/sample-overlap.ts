// No two samples may share bytes of the file, so a rendition's segments together never carry more sample bytes than the file holds.

import { mp4Error } from '../errors.js';
import { SAMPLE_BYTES_RULE } from './limits.js';
import type { SampleTable } from './types.js';

export interface PlacedTrack {
  /** The track, for the message (e.g. `moov/trak (video)`). */
  readonly where: string;
  readonly samples: SampleTable;
}

/** A track's samples as the merge reads them. */
interface Extents {
  readonly where: string;
  readonly offsets: Float64Array;
  readonly sizes: Uint32Array;
}

const NO_EXTENTS: Extents = { where: '', offsets: new Float64Array(0), sizes: new Uint32Array(0) };

function extentsOf(track: PlacedTrack | undefined): Extents {
  return track ? { where: track.where, offsets: track.samples.offsets, sizes: track.samples.sizes } : NO_EXTENTS;
}

/**
 * Runs of contiguous non-empty samples as [start, end) pairs: the samples of a chunk are contiguous
 * (ISO/IEC 14496-12 §8.7.4), so there are at most as many runs as chunks, usually far fewer than samples.
 */
function runsOf(tracks: readonly PlacedTrack[]): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const { samples } of tracks) {
    for (let i = 0; i < samples.count; i++) {
      if (samples.sizes[i] === 0) continue;
      const last = ends.length - 1;
      if (last >= 0 && ends[last] === samples.offsets[i] && i > 0) ends[last] += samples.sizes[i];
      else {
        starts.push(samples.offsets[i]);
        ends.push(samples.offsets[i] + samples.sizes[i]);
      }
    }
  }
  return { starts, ends };
}

/**
 * For a layout the first merge could not vouch for: intervals are pairwise disjoint exactly when,
 * with starts and ends sorted each on its own, the (k+1)-th start is at or after the k-th end (no
 * byte is covered twice). Sorting runs rather than samples keeps this cheap for files whose chunks
 * are merely listed out of order.
 */
function firstOverlapUnordered(tracks: readonly PlacedTrack[]): Overlap | undefined {
  const runs = runsOf(tracks);
  const starts = Float64Array.from(runs.starts).sort();
  const ends = Float64Array.from(runs.ends).sort();
  for (let n = 1; n < starts.length; n++) {
    if (starts[n] < ends[n - 1]) return { where: tracks.map((track) => track.where).join(' and '), atByte: starts[n] };
  }
  return undefined;
}

interface Overlap {
  readonly where: string;
  readonly atByte: number;
}

/**
 * Merges two tracks' samples by offset, each taken in its own order, and returns the first that
 * starts before the end of the sample taken before it. When nothing is returned, the samples were
 * taken in file order, each after the previous one's end: no two share a byte. A track that is not
 * in file order is always caught (its decrease starts before the previous end), so a return is an
 * overlap only if both tracks were in order. Empty samples occupy no bytes and may sit anywhere.
 */
function firstOverlap(a: Extents, b: Extents): Overlap | undefined {
  const aOffsets = a.offsets;
  const aSizes = a.sizes;
  const bOffsets = b.offsets;
  const bSizes = b.sizes;
  const aCount = aOffsets.length;
  const bCount = bOffsets.length;
  let i = 0;
  let j = 0;
  let end = -1;
  // Tight loops, kept free of allocation: this runs over every sample of every source that is read.
  while (i < aCount && j < bCount) {
    const x = aOffsets[i];
    const y = bOffsets[j];
    if (x <= y) {
      if (x >= end) end = x + aSizes[i];
      else if (aSizes[i] !== 0) return { where: a.where, atByte: x };
      i++;
    } else {
      if (y >= end) end = y + bSizes[j];
      else if (bSizes[j] !== 0) return { where: b.where, atByte: y };
      j++;
    }
  }
  for (; i < aCount; i++) {
    if (aOffsets[i] >= end) end = aOffsets[i] + aSizes[i];
    else if (aSizes[i] !== 0) return { where: a.where, atByte: aOffsets[i] };
  }
  for (; j < bCount; j++) {
    if (bOffsets[j] >= end) end = bOffsets[j] + bSizes[j];
    else if (bSizes[j] !== 0) return { where: b.where, atByte: bOffsets[j] };
  }
  return undefined;
}

/**
 * No two samples of the packaged tracks share a byte of the file. Writers lay samples out in order, so
 * for a video and an audio track this is one merge without allocation; any other layout, and any file
 * with more tracks (several audio languages), is checked with sorted starts and ends of the runs of
 * contiguous samples (O(n log n) in the runs) before an overlap is reported.
 */
export function checkSamplesDisjoint(tracks: readonly PlacedTrack[]): void {
  const [a, b] = [extentsOf(tracks[0]), extentsOf(tracks[1])];
  if (tracks.length <= 2 && !firstOverlap(a, b)) return;
  const overlap = firstOverlapUnordered(tracks);
  if (overlap) {
    throw mp4Error('MP4_LIMIT', `${overlap.where}: samples overlap at byte ${overlap.atByte} of the file (${SAMPLE_BYTES_RULE})`, { ...overlap });
  }
}
