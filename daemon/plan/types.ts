// The segment plan: which samples of each track make segment N, its times and its bytes; pure data, cacheable.

/** Inclusive sample indexes (decode order) of one track in one segment. */
export interface SampleRange {
  readonly firstSample: number;
  readonly lastSample: number;
}

export interface PlannedSegment {
  /** 1-based, as in the URL `segment<N>_0_av.ts`. */
  readonly number: number;
  /** Presentation time of the segment's start on the rendition's timeline (after the edit shift). */
  readonly startSec: number;
  /** The EXTINF: from this segment's start to the next one's (or to the end of the media). */
  readonly durationSec: number;
  readonly video?: SampleRange;
  readonly audio?: SampleRange;
  /** Sum of the sizes of the segment's samples, before TS overhead (for BANDWIDTH estimates). */
  readonly sampleBytes: number;
}

export interface SegmentPlan {
  readonly segmentDurationSec: number;
  readonly segments: readonly PlannedSegment[];
  /**
   * Added to every 90 kHz timestamp of the rendition so that all DTS and PTS are >= 0 with room
   * for the PCR to lead them; one constant for all tracks and segments keeps them continuous.
   */
  readonly shift90k: number;
  /**
   * True when every segment starts with an IDR picture (or there is no video); false when one starts
   * at an HEVC CRA/BLA or an H.264 recovery point, which a player joining there decodes only partly.
   */
  readonly independentSegments: boolean;
  /**
   * Set when the video keeps an edit's hidden pre-roll before the presentation start: seconds from
   * the rendition's earliest timestamp to that start, written as the playlists' EXT-X-START.
   */
  readonly startOffsetSec?: number;
}

/** What is known about a video sample's first VCL NAL unit; only sync samples are ever looked at. */
export const IDR_UNKNOWN = -1;
/** Not a place to start decoding (a P or B picture, or a sync sample we could not read). */
export const NOT_IDR = 0;
export const IDR = 1;
/** A random access point that is not IDR: an HEVC CRA or BLA picture, or an H.264 I picture with a recovery point SEI. */
export const RECOVERY = 2;

/** Per video sample (decode order): IDR_UNKNOWN, NOT_IDR, IDR or RECOVERY. Filled in by the packager, read by the planner. */
export type IdrMarks = Int8Array;

export function newIdrMarks(sampleCount: number): IdrMarks {
  return new Int8Array(sampleCount).fill(IDR_UNKNOWN);
}
