// Peak and average bit rates of a media playlist from its segments' sizes and durations (RFC 8216 definitions; pure).

import { targetDurationSec } from '../plan/playlist.js';

export interface SizedSegment {
  readonly sizeBytes: number;
  readonly durationSec: number;
}

export interface Bitrates {
  /** BANDWIDTH: the peak segment bit rate, bits per second, rounded up. */
  readonly peakBps: number;
  /** AVERAGE-BANDWIDTH: all bytes over all seconds, bits per second, rounded up. */
  readonly averageBps: number;
}

/** Windows may run this far past 1.5 × target without being refused for float noise. */
const DURATION_EPSILON_SEC = 1e-9;

/**
 * RFC 8216 §4.1: "the peak segment bit rate of a Media Playlist is the largest bit rate of any
 * contiguous set of segments whose total duration is between 0.5 and 1.5 times the target
 * duration", a set's bit rate being its bytes over its seconds. So a short last segment is judged
 * together with its neighbours rather than alone. When no set qualifies (a rendition shorter than
 * half the target), the whole rendition is the one set.
 */
export function peakSegmentBps(segments: readonly SizedSegment[]): number {
  const target = targetDurationSec(segments.map((s) => s.durationSec));
  const low = 0.5 * target - DURATION_EPSILON_SEC;
  const high = 1.5 * target + DURATION_EPSILON_SEC;
  let peak = 0;
  let found = false;
  for (let first = 0; first < segments.length; first++) {
    let bytes = 0;
    let seconds = 0;
    for (let last = first; last < segments.length; last++) {
      bytes += segments[last].sizeBytes;
      seconds += segments[last].durationSec;
      if (seconds > high) break;
      if (seconds >= low) {
        peak = Math.max(peak, (bytes * 8) / seconds);
        found = true;
      }
    }
  }
  return Math.ceil(found ? peak : averageBitsPerSec(segments));
}

function averageBitsPerSec(segments: readonly SizedSegment[]): number {
  const bytes = segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  const seconds = segments.reduce((sum, s) => sum + s.durationSec, 0);
  return seconds > 0 ? (bytes * 8) / seconds : 0;
}

export function bitrates(segments: readonly SizedSegment[]): Bitrates {
  return { peakBps: peakSegmentBps(segments), averageBps: Math.ceil(averageBitsPerSec(segments)) };
}
