// One interface for every way of turning an MP4 rendition into MPEG-TS segments.

import type { FileHandle } from 'node:fs/promises';

export type PackagerName = 'builtin' | 'mp42hls' | 'ffmpeg';

/** A source rendition, identified by path, size and mtime (a replaced file is a new package). */
export interface SourceFile {
  /** Real absolute path under media_root. */
  readonly absPath: string;
  /** Path relative to media_root, with forward slashes, e.g. `2022/clip.mp4`. */
  readonly relPath: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

/**
 * A source opened once (source/open-source.ts): every byte a packager reads comes through `handle`,
 * never by reopening `absPath`, so a path swapped after the check cannot change what is read.
 */
export interface OpenSource extends SourceFile {
  readonly handle: FileHandle;
}

/** The segments of a rendition in order; segment N (1-based) is `durationsSec[N - 1]`. */
export interface SegmentList {
  readonly durationsSec: readonly number[];
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
  /** Muxes segment `n` (1-based); throws NOT_FOUND when `n` is out of range. */
  segment(src: OpenSource, n: number, signal: AbortSignal): Promise<Uint8Array>;
}

export type Packager = RenditionPackager | SegmentPackager;
