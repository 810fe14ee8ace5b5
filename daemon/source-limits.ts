// The [limits] on sources and their defaults: part of the config, enforced by mp4/limits.ts and the planner.

export interface SourceLimits {
  /** Samples per second of media in one track (a track shorter than a second may still hold this many). */
  readonly maxSamplesPerSecond: number;
  /** Samples of the packaged tracks together; each takes about 30 bytes of memory while the source is in use. */
  readonly maxSamples: number;
  /** Box headers walked while reading the moov, repeated walks included. */
  readonly maxMoovBoxes: number;
  /** Size of the moov box, which is read into memory whole. */
  readonly maxMoovBytes: number;
  /** Segments of one rendition. */
  readonly maxSegments: number;
  /** Bytes of the media playlist (counted with relative segment URIs). */
  readonly maxPlaylistBytes: number;
}

/**
 * Far above any real rendition, so that no real file is refused:
 * - 1,000 samples/s: 240 fps video has 240, AAC at 96 kHz about 94; only 1,000 fps cameras come near.
 * - 12,000,000 samples (about 360 MB of tables): 24 hours of 60 fps video with 48 kHz AAC have 9,250,000.
 * - 100,000 boxes walked: a moov has a few hundred boxes and the reader walks each a few times.
 * - 128 MiB of moov: 24 hours of 60 fps video and audio take about 80 MB of sample tables.
 * - 100,000 segments: 24 hours at 2 s segments is 43,200; 55 hours fit.
 * - 16 MiB of playlist: 100,000 segments take about 4 MB.
 */
export const DEFAULT_SOURCE_LIMITS: SourceLimits = {
  maxSamplesPerSecond: 1000,
  maxSamples: 12_000_000,
  maxMoovBoxes: 100_000,
  maxMoovBytes: 128 * 1024 * 1024,
  maxSegments: 100_000,
  maxPlaylistBytes: 16 * 1024 * 1024,
};
