// What a master playlist says about one rendition, from its Movie and segment plan alone (pure).

import type { Movie, VideoTrack } from '../mp4/types.js';
import { keyframeRanges, layoutSizeBytes, type KeyframeRange } from '../mpegts/layout.js';
import { bitrates, type SizedSegment } from './bitrate.js';
import { iframeEntries } from './iframe-entries.js';
import { renditionModel, segmentLayout, type RenditionModel, type SegmentSpan } from './segment-bytes.js';

export interface Resolution {
  readonly width: number;
  readonly height: number;
}

/** EXT-X-I-FRAME-STREAM-INF facts: from the muxer's layout of every segment (the playlist itself measures the written bytes). */
export interface IframeFacts {
  readonly bandwidthBps: number;
  readonly averageBandwidthBps: number;
  readonly codecs: string;
  readonly resolution: Resolution;
}

export interface VariantFacts {
  readonly bandwidthBps: number;
  readonly averageBandwidthBps: number;
  /** Audio and video sample bytes over the duration, without TS overhead: what the encoder aimed at (for `?b=`). */
  readonly mediaBps: number;
  /** RFC 6381 strings, video first; an audio-only rendition lists only its audio codec. */
  readonly codecs: string;
  readonly resolution?: Resolution;
  readonly frameRate?: number;
  readonly iframe?: IframeFacts;
}

/**
 * The median of the track's sample durations (the upper one of an even count). Sorted as a typed array:
 * a numeric sort in native code, where a plain array with a comparator calls back for every comparison
 * (several milliseconds for a long film's tens of thousands of samples).
 */
export function medianSampleDuration(video: VideoTrack): number {
  const durations = video.samples.durations.slice().sort();
  return durations[durations.length >> 1];
}

/** The nominal frame rate: the track's timescale over its median sample duration (exact for constant rates). */
export function frameRateOf(video: VideoTrack): number {
  const median = medianSampleDuration(video);
  return median > 0 ? video.timescale / median : 0;
}

function mediaBytes(movie: Movie): number {
  let bytes = 0;
  for (const track of [movie.video, movie.audio]) {
    if (track) for (let i = 0; i < track.samples.count; i++) bytes += track.samples.sizes[i];
  }
  return bytes;
}

/** What the master needs of one segment's layout; the layout itself is dropped at once (a long rendition has thousands). */
interface LaidOutSegment {
  readonly sizeBytes: number;
  readonly keyframes: readonly KeyframeRange[];
}

function layOut(model: RenditionModel, segment: SegmentSpan): LaidOutSegment {
  const layout = segmentLayout(model, segment);
  return { sizeBytes: layoutSizeBytes(layout), keyframes: keyframeRanges(layout) };
}

/**
 * The I-frame playlist as the builtin muxer's layout places it: each keyframe's byte range in its
 * segment (the first one of a segment from byte 0, with the PAT and PMT), lasting until the next
 * keyframe is presented. The same ranges and the same durations as the I-frame playlist itself,
 * which reads them back from the written segments (iframe-entries.ts).
 */
function iframeSegments(laidOut: readonly LaidOutSegment[], totalSec: number): SizedSegment[] {
  const segments = laidOut.map((segment, k) => ({ segmentNumber: k + 1, ranges: segment.keyframes }));
  return iframeEntries(segments, totalSec).map((entry) => ({ sizeBytes: entry.lengthBytes, durationSec: entry.durationSec }));
}

/** `shift90k` is the plan's timeline shift, so the sizes follow the PCRs the muxer writes (see segmentLayout). */
export function variantFacts(movie: Movie, segments: readonly SegmentSpan[], shift90k?: number): VariantFacts {
  // One layout per segment, run on the moov's sample sizes: the segment sizes and the I-frame ranges both come from it.
  const model = renditionModel(movie, shift90k);
  const laidOut = segments.map((segment) => layOut(model, segment));
  const sized = laidOut.map((segment, k) => ({ sizeBytes: segment.sizeBytes, durationSec: segments[k].durationSec }));
  const { peakBps, averageBps } = bitrates(sized);
  const totalSec = segments.reduce((sum, s) => sum + s.durationSec, 0);
  const codecs = [movie.video?.codecString, movie.audio?.codecString].filter((c): c is string => !!c).join(',');
  const facts: VariantFacts = {
    bandwidthBps: peakBps,
    averageBandwidthBps: averageBps,
    mediaBps: totalSec > 0 ? Math.round((mediaBytes(movie) * 8) / totalSec) : 0,
    codecs,
  };
  if (!movie.video) return facts;
  const resolution = { width: movie.video.width, height: movie.video.height };
  const iframe = bitrates(iframeSegments(laidOut, totalSec));
  return {
    ...facts,
    resolution,
    frameRate: frameRateOf(movie.video),
    iframe: { bandwidthBps: iframe.peakBps, averageBandwidthBps: iframe.averageBps, codecs: movie.video.codecString, resolution },
  };
}
