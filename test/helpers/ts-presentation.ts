// Where an MPEG-TS playlist's presentation starts, read back from its segments with ffprobe's packets.

import { promises as fs } from 'node:fs';
import type { ProbedPacket } from './probe.js';

const ofType = (packets: readonly ProbedPacket[], type: 'video' | 'audio') => packets.filter((p) => p.type === type);

/** Where each segment's media really starts: the earliest PTS among its packets (found by byte position in the joined file). */
export async function segmentStarts90k(segments: readonly string[], out: readonly ProbedPacket[], options: StartOptions = {}): Promise<number[]> {
  const sizes = await Promise.all(segments.map(async (s) => (await fs.stat(s)).size));
  const ends = sizes.map((_, i) => sizes.slice(0, i + 1).reduce((a, b) => a + b, 0));
  return ends.map((end, i) => {
    const inSegment = out.filter((p) => p.pos < end && p.pos >= (ends[i - 1] ?? 0));
    // After a CRA or recovery point, leading pictures presented before it sit in its segment; a player
    // joining there drops them, so that segment starts at its first picture's own PTS.
    if (options.openGop && i > 0) return inSegment.find((p) => p.type === 'video')!.pts90k;
    return Math.min(...inSegment.map((p) => p.pts90k));
  });
}

export interface StartOptions {
  /** The source is open-GOP: segments after the first start at their first picture, not their earliest PTS. */
  readonly openGop?: boolean;
}

/**
 * The PTS at which the playlist's presentation starts: segment 2's start less segment 1's EXTINF
 * (a one-segment playlist starts at its earliest video PTS, or audio PTS without video).
 */
export async function presentationStart90k(segments: readonly string[], durationsSec: readonly number[], out: readonly ProbedPacket[], options: StartOptions = {}): Promise<number> {
  const starts = await segmentStarts90k(segments, out, options);
  if (starts.length > 1) return starts[1] - Math.round(durationsSec[0] * 90000);
  const lead = ofType(out, 'video').length > 0 ? ofType(out, 'video') : out;
  return Math.min(...lead.map((p) => p.pts90k));
}

/** Frames of `type` timed at or after the presentation start (pre-roll before it is dropped by players); 1 ms of EXTINF rounding. */
export function presentedCount(out: readonly ProbedPacket[], type: 'video' | 'audio', start90k: number): number {
  return ofType(out, type).filter((p) => p.pts90k >= start90k - 90).length;
}
