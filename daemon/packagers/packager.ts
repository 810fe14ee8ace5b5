// One interface for every way of turning an MP4 rendition into MPEG-TS segments.

import type { PackagerName } from '../config.js';
import type { CmafTrack } from '../layout/cmaf-files.js';
import type { TsTrack } from '../layout/track-files.js';
import type { Movie } from '../mp4/types.js';
import type { SegmentPlan } from '../plan/types.js';
import type { OpenSource } from '../source/open-source.js';
import type { ParsePool } from './builtin/parse-pool.js';

/** The segments of a rendition in order; segment N (1-based) is `durationsSec[N - 1]`. */
export interface SegmentList {
  readonly durationsSec: readonly number[];
  /** Where players begin past an edit's hidden pre-roll (EXT-X-START), when the packager knows one. */
  readonly startOffsetSec?: number;
}

export interface PackagerOptions {
  /** Target segment duration in seconds (config `segment_duration`). */
  readonly segmentDurationSec: number;
}

interface PackagerBase {
  readonly name: PackagerName;
  /** Checks the packager can run here; resolves to a version line, or throws PACKAGER_UNAVAILABLE. */
  probe(): Promise<string>;
  /**
   * Packages the whole rendition into `outDir` as `segment<N>_0_av.ts`, N from 1, and returns
   * the segment durations. Throws a CasterpakError (422 input, 502 failure); honours `signal`.
   */
  packageRendition(src: OpenSource, outDir: string, signal: AbortSignal): Promise<SegmentList>;
}

/** Packagers that can only make the whole rendition at once (mp42hls, ffmpeg). */
export interface RenditionPackager extends PackagerBase {
  readonly granularity: 'rendition';
}

/** Packagers that plan from the moov alone and make any single segment on demand (builtin). */
export interface SegmentPackager extends PackagerBase {
  readonly granularity: 'segment';
  /** The segment list from the moov alone, without reading sample data. */
  plan(src: OpenSource): Promise<SegmentList>;
  /**
   * Muxes segment `n` (1-based) of the rendition, or of one of its tracks alone (`index_0_v`, `index_<k>_a`);
   * throws NOT_FOUND when `n` is out of range or the rendition has no such track.
   */
  segment(src: OpenSource, n: number, signal: AbortSignal, track?: TsTrack): Promise<Uint8Array>;
  /** The rendition's tracks: whether it has video, and how many audio tracks (for the names of their files). */
  tracks(src: OpenSource): Promise<{ hasVideo: boolean; audioCount: number }>;
  /**
   * Muxes segment `n` into a buffer the packager reuses and hands it to `use`, which must be done with the
   * bytes when its promise settles (write them out, do not keep them): a miss then allocates no output buffer.
   */
  withSegment?<T>(src: OpenSource, n: number, signal: AbortSignal, use: (bytes: Uint8Array) => Promise<T>): Promise<T>;
}

export type Packager = RenditionPackager | SegmentPackager;

/** What master playlists read of a rendition: the builtin reader and planner (moov and a few sync samples only). */
export interface MoviePlanner {
  plannedMovie(src: OpenSource): Promise<{ movie: Movie; plan: SegmentPlan }>;
  /** The worker threads it parses in, when it has its own (ended on shutdown, counted in /healthz). */
  readonly parsePool?: ParsePool;
}

/** Packagers that also make CMAF files (fragmented MP4, one track per file) on demand: the builtin one. */
export interface CmafPackager extends MoviePlanner {
  /** The track's init segment; NOT_FOUND when the rendition has no such track. */
  cmafInit(src: OpenSource, track: CmafTrack): Promise<Uint8Array>;
  /** Media segment `n` (1-based, the segment plan's numbering) of the track; NOT_FOUND when out of range. */
  cmafSegment(src: OpenSource, track: CmafTrack, n: number, signal: AbortSignal): Promise<Uint8Array>;
  /**
   * cmafSegment as pieces to write one after the other (the boxes, then the sample data where it was read),
   * handed to `use`, which must be done with them when its promise settles: the segment is never copied
   * into a buffer of its own.
   */
  withCmafSegment?<T>(src: OpenSource, track: CmafTrack, n: number, signal: AbortSignal, use: (chunks: readonly Uint8Array[]) => Promise<T>): Promise<T>;
}

export function isCmafPackager(packager: Packager): packager is Packager & CmafPackager {
  return 'cmafSegment' in packager && 'cmafInit' in packager;
}
