// The segment plan, a pure function of (Movie, target duration, random access marks): cuts, audio assignment, times, bytes.

import { CasterpakError, mp4Error } from '../errors.js';
import type { AudioTrack, Movie, Track, VideoTrack } from '../mp4/types.js';
import { limitError } from '../mp4/limits.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../source-limits.js';
import { cutsAllIdr, findAudioCuts, findVideoCuts } from './cuts.js';
import { relativePlaylistBytes } from './playlist.js';
import { prerollStartOffsetSec, presentationSec, presentationTicks, timelineShift90k, trackExtent } from './timeline.js';
import { type IdrMarks, type PlannedSegment, type SampleRange, type SegmentPlan } from './types.js';

export interface PlanOptions {
  readonly segmentDurationSec: number;
  /** limits.max_segments and limits.max_playlist_bytes (default: DEFAULT_SOURCE_LIMITS). */
  readonly limits?: SourceLimits;
}

/** EXTINF is printed with 3 decimals; a segment shorter than this would read as 0.000. */
const MIN_SEGMENT_SEC = 0.0005;

/**
 * Plans the rendition. With video, `marks` must already classify every sync sample that
 * `findVideoCuts` reports as unknown (the packager reads them first); without video it is ignored.
 */
export function planSegments(movie: Movie, options: PlanOptions, marks: IdrMarks): SegmentPlan {
  const targetSec = options.segmentDurationSec;
  if (!(targetSec > 0)) throw new CasterpakError('CONFIG_INVALID', `segment_duration must be positive, got ${targetSec}`, { targetSec });
  const lead: Track = movie.video ?? (movie.audio as AudioTrack);
  const extents = [movie.video, movie.audio].filter((track): track is Track => track !== undefined).map(trackExtent);
  const startSec = Math.min(...extents.map((extent) => extent.startSec));
  const endSec = Math.max(...extents.map((extent) => extent.endSec));
  if (!(endSec - startSec >= MIN_SEGMENT_SEC)) {
    throw mp4Error('MP4_EMPTY', 'the movie has samples but no duration', { startSec, endSec });
  }
  const allCuts = movie.video ? videoCuts(movie.video, targetSec, marks) : findAudioCuts(lead as AudioTrack, targetSec);
  const cuts = withoutTinyTail(lead, allCuts, endSec);
  const boundariesSec = [startSec, ...cuts.slice(1).map((sample) => presentationSec(lead, sample)), endSec];
  const videoRanges = movie.video ? rangesFromCuts(cuts, movie.video.samples.count) : undefined;
  const audioRanges = movie.audio ? (movie.video ? assignByTime(movie.audio, boundariesSec) : rangesFromCuts(cuts, movie.audio.samples.count)) : undefined;
  const segments = boundariesSec.slice(0, -1).map((segmentStartSec, index): PlannedSegment => {
    const video = videoRanges?.[index];
    const audio = audioRanges?.[index];
    return {
      number: index + 1,
      startSec: segmentStartSec,
      durationSec: boundariesSec[index + 1] - segmentStartSec,
      ...(video ? { video } : {}),
      ...(audio ? { audio } : {}),
      sampleBytes: rangeBytes(movie.video, video) + rangeBytes(movie.audio, audio),
    };
  });
  const startOffsetSec = startOffsetWithin(segments[0], prerollStartOffsetSec(extents, movie.video ? { track: movie.video, extent: extents[0] } : undefined, startSec));
  checkPlanSize(options.limits ?? DEFAULT_SOURCE_LIMITS, segments, startOffsetSec);
  return {
    segmentDurationSec: targetSec,
    segments,
    shift90k: timelineShift90k(extents),
    independentSegments: !movie.video || cutsAllIdr(cuts, marks),
    ...(startOffsetSec !== undefined ? { startOffsetSec } : {}),
  };
}

/** The reader bounded the segments from each track's duration; the plan's own count and playlist are checked exactly. */
function checkPlanSize(limits: SourceLimits, segments: readonly PlannedSegment[], startOffsetSec: number | undefined): void {
  if (segments.length > limits.maxSegments) throw limitError(limits, 'maxSegments', `${segments.length} segments`, { segments: segments.length });
  const playlistBytes = relativePlaylistBytes(segments.map((segment) => segment.durationSec), startOffsetSec);
  if (playlistBytes > limits.maxPlaylistBytes) {
    throw limitError(limits, 'maxPlaylistBytes', `a media playlist of ${playlistBytes} bytes`, { playlistBytes, segments: segments.length });
  }
}

/**
 * hls.js loads the segment that holds the start offset by the playlist's times, in which segment 1
 * lasts its EXTINF, pre-roll not counted: an offset past that would fetch a later segment first and
 * start nowhere near the edit. A pre-roll that long (a cut near the end of a long GOP, with short
 * segments) gets no EXT-X-START, and players show it as they would without one.
 */
function startOffsetWithin(first: PlannedSegment, startOffsetSec: number | undefined): number | undefined {
  return startOffsetSec !== undefined && startOffsetSec < first.durationSec ? startOffsetSec : undefined;
}

function videoCuts(video: VideoTrack, targetSec: number, marks: IdrMarks): number[] {
  const { cuts, unknown } = findVideoCuts(video, targetSec, marks);
  // Sample 0 starts segment 1 whatever it is; only later cuts depend on classification.
  if (unknown.some((sample) => sample !== 0)) {
    throw new CasterpakError('PACKAGER_FAILED', `planSegments: ${unknown.length} sync samples are not classified yet`, { unknown: unknown.length });
  }
  return cuts;
}

/**
 * Segment k spans [boundaries[k], boundaries[k+1]): inner boundaries are the cut samples'
 * presentation times, the ends the earliest and latest presentation of any track. A last segment
 * too short to print is merged into the one before (an EXTINF of 0 stalls iOS, error -16240).
 */
function withoutTinyTail(lead: Track, cuts: readonly number[], endSec: number): number[] {
  let keep = cuts.length;
  while (keep > 1 && endSec - presentationSec(lead, cuts[keep - 1]) < MIN_SEGMENT_SEC) keep--;
  return cuts.slice(0, keep);
}

function rangesFromCuts(cuts: readonly number[], count: number): SampleRange[] {
  return cuts.map((first, k) => ({ firstSample: first, lastSample: (k + 1 < cuts.length ? cuts[k + 1] : count) - 1 }));
}

/**
 * Audio frames go to the segment whose time range contains their presentation time, so every
 * frame appears exactly once. The walk is monotonic in decode order, which keeps each segment's
 * frames contiguous; the first segment takes anything earlier, the last anything later.
 */
export function assignByTime(audio: AudioTrack, boundariesSec: readonly number[]): (SampleRange | undefined)[] {
  const ranges: (SampleRange | undefined)[] = [];
  const count = audio.samples.count;
  let next = 0;
  for (let k = 0; k + 1 < boundariesSec.length; k++) {
    const first = next;
    const isLast = k + 2 === boundariesSec.length;
    const boundarySec = boundariesSec[k + 1];
    while (next < count && (isLast || presentationTicks(audio, next) / audio.timescale < boundarySec)) next++;
    ranges.push(next > first ? { firstSample: first, lastSample: next - 1 } : undefined);
  }
  return ranges;
}

export function rangeBytes(track: Track | undefined, range: SampleRange | undefined): number {
  if (!track || !range) return 0;
  let bytes = 0;
  for (let i = range.firstSample; i <= range.lastSample; i++) bytes += track.samples.sizes[i];
  return bytes;
}
