// No two samples may share bytes of the file, so a rendition's segments together never carry more sample bytes than the file holds.

import { mp4Error } from '../errors.js';
import type { SampleTable } from './types.js';

export interface PlacedTrack {
  /** The track's stbl path, for the message. */
  readonly where: string;
  readonly samples: SampleTable;
}

/** Byte extents [start, end) of runs of contiguous samples, in file order; flat pairs. */
interface Runs {
  readonly where: string;
  readonly bounds: number[];
}

/**
 * Runs of contiguous samples, one pass: the samples of a chunk are contiguous (ISO/IEC 14496-12
 * §8.7.4), so there are at most as many runs as chunks. Empty samples occupy no bytes and are skipped.
 */
function runsOf(track: PlacedTrack): Runs {
  const { offsets, sizes, count } = track.samples;
  const bounds: number[] = [];
  for (let i = 0; i < count; i++) {
    if (sizes[i] === 0) continue;
    const last = bounds.length - 1;
    if (last > 0 && bounds[last] === offsets[i]) bounds[last] += sizes[i];
    else bounds.push(offsets[i], offsets[i] + sizes[i]);
  }
  return { where: track.where, bounds: inFileOrder(bounds) };
}

/** Writers lay chunks out in order, so this is one check; otherwise the runs are sorted by start. */
function inFileOrder(bounds: number[]): number[] {
  let sorted = true;
  for (let k = 2; k < bounds.length && sorted; k += 2) sorted = bounds[k] >= bounds[k - 2];
  if (sorted) return bounds;
  const order = Array.from({ length: bounds.length / 2 }, (_, k) => k).sort((a, b) => bounds[2 * a] - bounds[2 * b]);
  return order.flatMap((k) => [bounds[2 * k], bounds[2 * k + 1]]);
}

function overlapError(where: string, atByte: number): never {
  throw mp4Error('MP4_LIMIT', `${where}: samples overlap at byte ${atByte} of the file (limits: every sample must have bytes of its own)`, { where, atByte });
}

/**
 * Merges the tracks' runs in file order and checks each starts at or after the furthest end so
 * far: O(samples) for files laid out in order, as writers make them.
 */
export function checkSamplesDisjoint(tracks: readonly PlacedTrack[]): void {
  const lists = tracks.map(runsOf);
  const next = lists.map(() => 0);
  let furthestEnd = -1;
  for (;;) {
    let pick = -1;
    for (let t = 0; t < lists.length; t++) {
      if (next[t] < lists[t].bounds.length && (pick < 0 || lists[t].bounds[next[t]] < lists[pick].bounds[next[pick]])) pick = t;
    }
    if (pick < 0) return;
    const { bounds, where } = lists[pick];
    const start = bounds[next[pick]];
    if (start < furthestEnd) overlapError(where, start);
    furthestEnd = Math.max(furthestEnd, bounds[next[pick] + 1]);
    next[pick] += 2;
  }
}
