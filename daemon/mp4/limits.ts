// Bounded work per source: the [limits] a source must stay within, checked from the moov before any large allocation.

import { mp4Error, type CasterpakError } from '../errors.js';
import type { SourceLimits } from '../source-limits.js';

/** Config key of each limit, as the [limits] table spells it and as errors name it. */
export const LIMIT_KEYS: Record<keyof SourceLimits, string> = {
  maxSamplesPerSecond: 'limits.max_samples_per_second',
  maxSamples: 'limits.max_samples',
  maxMoovBoxes: 'limits.max_moov_boxes',
  maxMoovBytes: 'limits.max_moov_bytes',
  maxSegments: 'limits.max_segments',
  maxPlaylistBytes: 'limits.max_playlist_bytes',
};

/** Not a key but a rule: a segment carries only bytes of the file, each at most once, so its output stays proportional to the file. */
export const SAMPLE_BYTES_RULE = 'limits: every sample must have bytes of its own';

/** `what` (e.g. "4000000 samples in 40 s of media") exceeds the limit: MP4_LIMIT naming the key and its value. */
export function limitError(limits: SourceLimits, limit: keyof SourceLimits, what: string, details: Record<string, unknown> = {}): CasterpakError {
  return mp4Error('MP4_LIMIT', `${what} exceed ${LIMIT_KEYS[limit]} = ${limits[limit]}`, { limit: LIMIT_KEYS[limit], value: limits[limit], ...details });
}

/** Counts box headers against limits.max_moov_boxes; every walk of the moov tree shares one. */
export class BoxBudget {
  private walked = 0;

  constructor(private readonly limits: SourceLimits) {}

  /** Called once per box header read; throws MP4_LIMIT once the budget is spent. */
  spend(where: string): void {
    this.walked++;
    if (this.walked > this.limits.maxMoovBoxes) {
      throw limitError(this.limits, 'maxMoovBoxes', `more than ${this.limits.maxMoovBoxes} boxes walked in the moov (at ${where})`, { where });
    }
  }

  get boxesWalked(): number {
    return this.walked;
  }
}

/** Ticks → seconds for messages, without a long tail of decimals. */
export function roundedSec(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}

export interface TrackSize {
  readonly where: string;
  readonly sampleCount: number;
  readonly durationSec: number;
  /** Samples of the tracks of this source read before this one. */
  readonly samplesBefore: number;
}

/**
 * Checked per track from its stsz/stz2 count and its stts total, before the tables are expanded:
 * the samples per second, the samples of the source so far, and the segments the track's duration implies at the target duration
 * (segments start at most once per target, so there are at most duration / target + 1).
 */
export function checkTrackSize(limits: SourceLimits, track: TrackSize, segmentDurationSec: number): void {
  const { where, sampleCount, durationSec, samplesBefore } = track;
  if (sampleCount > limits.maxSamplesPerSecond * Math.max(1, durationSec)) {
    throw limitError(limits, 'maxSamplesPerSecond', `${where}: ${sampleCount} samples in ${roundedSec(durationSec)} s of media`, { where, sampleCount, durationSec });
  }
  if (samplesBefore + sampleCount > limits.maxSamples) {
    throw limitError(limits, 'maxSamples', `${where}: ${samplesBefore + sampleCount} samples in the source`, { where, sampleCount, samplesBefore });
  }
  const segments = Math.floor(durationSec / segmentDurationSec) + 1;
  if (segments > limits.maxSegments) {
    throw limitError(limits, 'maxSegments', `${where}: ${roundedSec(durationSec)} s of media in ${segmentDurationSec} s segments (${segments} segments)`, {
      where,
      durationSec,
      segments,
    });
  }
}
