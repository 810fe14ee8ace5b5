// The I-frame playlist's entries from the keyframe ranges of every segment: durations from PTS differences (pure).

import { ticks90kToSec } from '../clock.js';
import { TIMESTAMP_MODULUS as PTS_MODULUS } from '../mpegts/clock.js';
import type { IframeEntry } from '../plan/iframe-playlist.js';
import type { KeyframeRange } from './iframe-ranges.js';

/** A last picture that starts at (or after) the end of the rendition still gets a printable duration. */
const MIN_DURATION_SEC = 0.001;

export interface SegmentKeyframes {
  readonly segmentNumber: number;
  readonly ranges: readonly KeyframeRange[];
}

/**
 * RFC 8216 §4.3.3.6: an I-frame's duration runs from its presentation time to the next I-frame's,
 * or to the end of the presentation for the last. Times come from the PTS, unwrapped across the
 * 33-bit boundary; the first picture is taken as the start of the presentation, so the last one
 * lasts until `renditionDurationSec` after it.
 */
export function iframeEntries(segments: readonly SegmentKeyframes[], renditionDurationSec: number): IframeEntry[] {
  const flat = segments.flatMap((s) => s.ranges.map((range) => ({ segmentNumber: s.segmentNumber, range })));
  const times90k: number[] = [];
  let previous: number | undefined;
  for (const { range } of flat) {
    let pts = range.pts90k;
    if (previous !== undefined) {
      while (pts < previous - PTS_MODULUS / 2) pts += PTS_MODULUS;
      while (pts > previous + PTS_MODULUS / 2) pts -= PTS_MODULUS;
    }
    times90k.push(pts);
    previous = pts;
  }
  return flat.map(({ segmentNumber, range }, i) => {
    const startSec = ticks90kToSec(times90k[i] - times90k[0]);
    const endSec = i + 1 < flat.length ? ticks90kToSec(times90k[i + 1] - times90k[0]) : renditionDurationSec;
    return {
      segmentNumber,
      offsetBytes: range.offsetBytes,
      lengthBytes: range.lengthBytes,
      durationSec: Math.max(MIN_DURATION_SEC, endSec - startSec),
    };
  });
}
