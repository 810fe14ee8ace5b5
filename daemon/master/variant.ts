// What a master playlist says about one rendition, from its Movie and segment plan alone (pure).

import type { Movie, VideoTrack } from '../mp4/types.js';
import { TS_PACKET_BYTES } from '../mpegts/ids.js';
import { presentationSec, trackExtent } from '../plan/timeline.js';
import { bitrates, type SizedSegment } from './bitrate.js';
import { PSI_PACKETS, segmentSizeBytes, videoPesBytes, type SegmentSpan } from './segment-bytes.js';

/** A picture presented at (or after) the end of the track still lasts a printable moment. */
const MIN_IFRAME_SEC = 0.001;

export interface Resolution {
  readonly width: number;
  readonly height: number;
}

/** EXT-X-I-FRAME-STREAM-INF facts: estimated from the sync samples (the playlist itself measures the muxed bytes). */
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

/**
 * Each sync sample of the plan as an I-frame: the TS packets of its PES, plus the segment's PAT and
 * PMT for the first one of a segment (the I-frame playlist's ranges start at byte 0 there), lasting
 * until the next sync sample is presented.
 */
function iframeSegments(video: VideoTrack, segments: readonly SegmentSpan[]): SizedSegment[] {
  const picks: Array<{ sample: number; firstOfSegment: boolean }> = [];
  for (const segment of segments) {
    if (!segment.video) continue;
    for (let i = segment.video.firstSample; i <= segment.video.lastSample; i++) {
      if (video.samples.sync[i]) picks.push({ sample: i, firstOfSegment: i === segment.video.firstSample });
    }
  }
  const endSec = trackExtent(video).endSec;
  return picks.map(({ sample, firstOfSegment }, k) => {
    const nextSec = k + 1 < picks.length ? presentationSec(video, picks[k + 1].sample) : endSec;
    return {
      sizeBytes: videoPesBytes(video, sample) + (firstOfSegment ? PSI_PACKETS * TS_PACKET_BYTES : 0),
      durationSec: Math.max(nextSec - presentationSec(video, sample), MIN_IFRAME_SEC),
    };
  });
}

/** `shift90k` is the plan's timeline shift, so the sizes follow the PCRs the muxer writes (see segmentLayout). */
export function variantFacts(movie: Movie, segments: readonly SegmentSpan[], shift90k?: number): VariantFacts {
  const sized = segments.map((segment) => ({ sizeBytes: segmentSizeBytes(movie, segment, shift90k), durationSec: segment.durationSec }));
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
  const iframe = bitrates(iframeSegments(movie.video, segments));
  return {
    ...facts,
    resolution,
    frameRate: frameRateOf(movie.video),
    iframe: { bandwidthBps: iframe.peakBps, averageBandwidthBps: iframe.averageBps, codecs: movie.video.codecString, resolution },
  };
}
