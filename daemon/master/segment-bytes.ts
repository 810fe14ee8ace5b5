// The layout the builtin muxer gives a segment, from the moov's sample sizes, times and sync flags alone (pure).

import type { AudioTrack, Movie, VideoTrack } from '../mp4/types.js';
import { accessUnitSizer } from '../mpegts/annexb.js';
import { audioFrameOverhead, groupAudioFrames, type AudioFrame } from '../mpegts/audio-units.js';
import { layoutSegment, layoutSizeBytes, type LayoutTrack, type SegmentLayout, type SizedUnit } from '../mpegts/layout.js';
import { expectedEndDts90k } from '../mpegts/sample-timing.js';
import { describeAudio, describeVideo } from '../mpegts/streams.js';
import { sampleTimes90k, TIMELINE_LEAD_90K } from '../plan/timeline.js';

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

/**
 * Video sample `i` as a unit: its Annex B size from its stored size (see `accessUnitSizer` for when
 * that is exact: the bytes are not read), its sync flag standing for "IDR picture".
 */
function videoUnit(video: VideoTrack, i: number, sizeOf: (sampleBytes: number, isKey: boolean) => number, shift90k: number): SizedUnit {
  const { dts90k, pts90k } = sampleTimes90k(video, i, shift90k);
  const key = video.samples.sync[i] === 1;
  return { dts90k, pts90k, randomAccess: key, keyframe: key, payloadBytes: sizeOf(video.samples.sizes[i], key) };
}

function videoTrack(video: VideoTrack, span: SampleSpan | undefined, shift90k: number): LayoutTrack {
  const units: SizedUnit[] = [];
  if (span) {
    const sizeOf = accessUnitSizer(video);
    for (let i = span.firstSample; i <= span.lastSample; i++) units.push(videoUnit(video, i, sizeOf, shift90k));
  }
  return { stream: describeVideo(video), units };
}

function audioFrames(audio: AudioTrack, span: SampleSpan | undefined, shift90k: number): AudioFrame[] {
  const frames: AudioFrame[] = [];
  if (span) for (let i = span.firstSample; i <= span.lastSample; i++) frames.push({ ...sampleTimes90k(audio, i, shift90k), sizeBytes: audio.samples.sizes[i] });
  return frames;
}

/**
 * The layout of `segment` as the builtin muxer makes it, every track of the movie declared as the
 * packager declares them. `shift90k` is the plan's timeline shift; sizes do not depend on it as
 * long as it keeps every PCR above zero, which the default does for tracks that start at zero.
 */
export function segmentLayout(movie: Movie, segment: SegmentSpan, shift90k = TIMELINE_LEAD_90K): SegmentLayout {
  const video = movie.video ? videoTrack(movie.video, segment.video, shift90k) : undefined;
  const frames = movie.audio ? audioFrames(movie.audio, segment.audio, shift90k) : [];
  const audio = movie.audio ? { stream: describeAudio(movie.audio), units: groupAudioFrames(frames, audioFrameOverhead(movie.audio.codec)) } : undefined;
  const endDts90k = Math.max(expectedEndDts90k(video?.units ?? []), expectedEndDts90k(frames));
  return layoutSegment({ segmentNumber: 1, video, audio, endDts90k });
}

/**
 * Bytes of the segment the builtin muxer writes for `segment`. Exact when each video sample holds
 * NAL units with 4-byte length prefixes and no delimiters or parameter sets of its own (what
 * encoders write into MP4); otherwise within a few bytes per access unit.
 */
export function segmentSizeBytes(movie: Movie, segment: SegmentSpan, shift90k?: number): number {
  return layoutSizeBytes(segmentLayout(movie, segment, shift90k));
}
