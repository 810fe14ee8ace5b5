// The layout the builtin muxer gives a segment, from the moov's sample sizes, times and sync flags alone (pure).

import type { AudioTrack, Movie, VideoTrack } from '../mp4/types.js';
import { accessUnitSizer } from '../mpegts/annexb.js';
import { audioFrameOverhead, groupAudioFrames } from '../mpegts/audio-units.js';
import { layoutSegment, layoutSizeBytes, type LayoutTrack, type SegmentLayout, type SizedUnit } from '../mpegts/layout.js';
import { expectedEndDts90k } from '../mpegts/sample-timing.js';
import { describeAudio, describeVideo, type StreamDescription } from '../mpegts/streams.js';
import { TIMELINE_LEAD_90K, trackTimes90k, type TimeColumns90k } from '../plan/timeline.js';

/** Inclusive sample indexes of one track in one segment (the shape of the planner's SampleRange). */
export interface SampleSpan {
  readonly firstSample: number;
  readonly lastSample: number;
}

/** What the size model needs of a planned segment (the planner's PlannedSegment satisfies it). */
export interface SegmentSpan {
  readonly durationSec: number;
  readonly video?: SampleSpan;
  readonly audio?: SampleSpan;
}

interface ModelTrack<T> {
  readonly track: T;
  readonly stream: StreamDescription;
  /** Every sample's timeline times, computed once for all the segments. */
  readonly times: TimeColumns90k;
}

/**
 * What the model reads of a rendition, worked out once for all its segments: each track's stream
 * and its samples' 90 kHz times as typed arrays, so laying out every segment of a long rendition
 * makes no object per audio frame (a segment's frames are views of these columns).
 */
export interface RenditionModel {
  readonly video?: ModelTrack<VideoTrack> & { readonly sizeOf: (sampleBytes: number, isKey: boolean) => number };
  readonly audio?: ModelTrack<AudioTrack> & { readonly frameOverhead: number };
}

/**
 * The model of `movie` on the timeline `shift90k` (the plan's shift); sizes do not depend on it as long
 * as it keeps every PCR above zero, which the default does for tracks that start at zero.
 */
export function renditionModel(movie: Movie, shift90k = TIMELINE_LEAD_90K): RenditionModel {
  const { video, audio } = movie;
  return {
    // the Annex B size from the stored size (see `accessUnitSizer` for when that is exact: the bytes are not read)
    video: video && { track: video, stream: describeVideo(video), times: trackTimes90k(video, shift90k), sizeOf: accessUnitSizer(video) },
    audio: audio && { track: audio, stream: describeAudio(audio), times: trackTimes90k(audio, shift90k), frameOverhead: audioFrameOverhead(audio.codec) },
  };
}

const NO_TIMES = new Float64Array(0);

/** The span's decode times, a view of the track's column (empty when the segment has none of the track). */
function spanDts90k(times: TimeColumns90k, span: SampleSpan | undefined): Float64Array {
  return span ? times.dts90k.subarray(span.firstSample, span.lastSample + 1) : NO_TIMES;
}

/** The segment's pictures as units: times from the columns, the Annex B size from the stored size, the sync flag standing for "IDR picture". */
function videoTrack(model: NonNullable<RenditionModel['video']>, span: SampleSpan | undefined): LayoutTrack {
  const units: SizedUnit[] = [];
  if (span) {
    const { times, track, sizeOf } = model;
    for (let i = span.firstSample; i <= span.lastSample; i++) {
      const key = track.samples.sync[i] === 1;
      units.push({ dts90k: times.dts90k[i], pts90k: times.pts90k[i], randomAccess: key, keyframe: key, payloadBytes: sizeOf(track.samples.sizes[i], key) });
    }
  }
  return { stream: model.stream, units };
}

function audioTrack(model: NonNullable<RenditionModel['audio']>, span: SampleSpan | undefined): LayoutTrack {
  const frames = span
    ? {
        dts90k: spanDts90k(model.times, span),
        pts90k: model.times.pts90k.subarray(span.firstSample, span.lastSample + 1),
        sizeBytes: model.track.samples.sizes.subarray(span.firstSample, span.lastSample + 1),
      }
    : { dts90k: NO_TIMES, pts90k: NO_TIMES, sizeBytes: new Uint32Array(0) };
  return { stream: model.stream, units: groupAudioFrames(frames, model.frameOverhead) };
}

/** The layout of `segment` as the builtin muxer makes it, every track of the rendition declared as the packager declares them. */
export function segmentLayout(model: RenditionModel, segment: SegmentSpan): SegmentLayout {
  const video = model.video ? videoTrack(model.video, segment.video) : undefined;
  const audio = model.audio ? audioTrack(model.audio, segment.audio) : undefined;
  const videoEnd = model.video ? expectedEndDts90k(spanDts90k(model.video.times, segment.video)) : Number.NEGATIVE_INFINITY;
  const audioEnd = model.audio ? expectedEndDts90k(spanDts90k(model.audio.times, segment.audio)) : Number.NEGATIVE_INFINITY;
  return layoutSegment({ segmentNumber: 1, video, audio, endDts90k: Math.max(videoEnd, audioEnd) });
}

/**
 * Bytes of the segment the builtin muxer writes for `segment`. Exact when each video sample holds
 * NAL units with 4-byte length prefixes and no delimiters or parameter sets of its own (what
 * encoders write into MP4); otherwise within a few bytes per access unit. One segment alone: a pass
 * over many segments makes the rendition's model once and lays each out with segmentLayout.
 */
export function segmentSizeBytes(movie: Movie, segment: SegmentSpan, shift90k?: number): number {
  return layoutSizeBytes(segmentLayout(renditionModel(movie, shift90k), segment));
}
