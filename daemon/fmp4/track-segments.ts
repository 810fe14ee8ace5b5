// A rendition's tracks as CMAF segments: each planned segment's sample range of one track → fragment fields and times (pure).

import { CLOCK_90K_HZ } from '../clock.js';
import { parseEsds } from '../mp4/esds.js';
import type { Track } from '../mp4/types.js';
import { decodeTicks, editOffsetTicks, trackExtent } from '../plan/timeline.js';
import type { PlannedSegment, SampleRange, SegmentPlan } from '../plan/types.js';
import { fragmentShapeBytes, type FragmentInput } from './fragment.js';

export type CmafTrackKind = 'video' | 'audio';

/**
 * The rendition's timeline shift (the one the MPEG-TS segments use) in the track's ticks, so TS and
 * CMAF segments of a rendition share one timeline and every decode time is >= 0.
 */
export function shiftTicks(track: Track, plan: SegmentPlan): number {
  return Math.round((plan.shift90k * track.timescale) / CLOCK_90K_HZ);
}

export function trackOf(movie: { video?: Track; audio?: Track }, kind: CmafTrackKind): Track | undefined {
  return kind === 'video' ? movie.video : movie.audio;
}

export function rangeOf(segment: PlannedSegment, kind: CmafTrackKind): SampleRange | undefined {
  return kind === 'video' ? segment.video : segment.audio;
}

/** The fragment's fields for samples [first, last] of the track, without the sample data. */
export function fragmentFields(track: Track, range: SampleRange, sequenceNumber: number, shift: number): Omit<FragmentInput, 'data'> {
  const { firstSample, lastSample } = range;
  const end = lastSample + 1;
  const { samples } = track;
  return {
    sequenceNumber,
    baseDecodeTicks: decodeTicks(track, firstSample) + shift,
    samples: {
      durations: samples.durations.subarray(firstSample, end),
      sizes: samples.sizes.subarray(firstSample, end),
      sync: samples.sync.subarray(firstSample, end),
      compositionOffsets: samples.cts.subarray(firstSample, end),
    },
  };
}

/** One track's segment as a media playlist lists it: presentation start and duration on the shifted timeline. */
export interface CmafSegmentTimes {
  readonly number: number;
  readonly startTicks: number;
  readonly durationTicks: number;
}

/** One track's segment as a manifest describes it: its times and its size. */
export interface CmafSegmentFacts extends CmafSegmentTimes {
  readonly sizeBytes: number;
}

/** The earliest presentation time of samples [first, last] (edit shift applied), in track ticks before the rendition shift. */
function earliestPresentation(track: Track, range: SampleRange): number {
  const { dts, cts } = track.samples;
  let earliest = Infinity;
  for (let i = range.firstSample; i <= range.lastSample; i++) {
    const ticks = dts[i] + cts[i];
    if (ticks < earliest) earliest = ticks;
  }
  return earliest + editOffsetTicks(track);
}

/** The plan's segments that hold samples of the track, each with its sample range. */
function presentSegments(kind: CmafTrackKind, plan: SegmentPlan): Array<{ segment: PlannedSegment; range: SampleRange }> {
  const present: Array<{ segment: PlannedSegment; range: SampleRange }> = [];
  for (const segment of plan.segments) {
    const range = rangeOf(segment, kind);
    if (range) present.push({ segment, range });
  }
  return present;
}

function timesOf(track: Track, present: ReadonlyArray<{ segment: PlannedSegment; range: SampleRange }>, shift: number): CmafSegmentTimes[] {
  const extent = trackExtent(track);
  const starts = present.map(({ range }) => earliestPresentation(track, range) + shift);
  if (starts.length > 0) starts[0] = Math.max(starts[0], Math.round(extent.startSec * track.timescale) + shift);
  const endTicks = Math.round(extent.endSec * track.timescale) + shift;
  return present.map(({ segment }, k) => {
    const nextStart = k + 1 < present.length ? starts[k + 1] : endTicks;
    return { number: segment.number, startTicks: starts[k], durationTicks: nextStart - starts[k] };
  });
}

/**
 * Every segment of the plan that holds samples of this track. A segment lasts until the next one
 * starts (the last until the track's presentation ends), so the timeline has no gaps or overlaps.
 * The first starts where the track's presentation does: pre-roll that an edit hides (a stream-copy
 * cut's frames from the keyframe before the cut) is in the segment, timed before that start, so the
 * durations add up to what the source presents, as the MPEG-TS playlist's do, and a DASH player
 * drops it with everything else before the period (presentationTimeOffset is that start).
 */
export function trackSegmentTimes(track: Track, kind: CmafTrackKind, plan: SegmentPlan): CmafSegmentTimes[] {
  return timesOf(track, presentSegments(kind, plan), shiftTicks(track, plan));
}

/** trackSegmentTimes with each segment's exact size, from the sample sizes alone (for bit rates). */
export function trackSegmentFacts(track: Track, kind: CmafTrackKind, plan: SegmentPlan): CmafSegmentFacts[] {
  const shift = shiftTicks(track, plan);
  const present = presentSegments(kind, plan);
  const { sizes } = track.samples;
  return timesOf(track, present, shift).map((times, k) => {
    const { firstSample, lastSample } = present[k].range;
    let dataBytes = 0;
    for (let i = firstSample; i <= lastSample; i++) dataBytes += sizes[i];
    const shape = { sequenceNumber: times.number, baseDecodeTicks: decodeTicks(track, firstSample) + shift, sampleCount: lastSample - firstSample + 1, dataBytes };
    return { ...times, sizeBytes: fragmentShapeBytes(shape) };
  });
}

/**
 * RFC 6381 codec string as the init segment's sample entry names it: the MP4 reader writes avc1/hvc1,
 * but an avc3 or hev1 track (parameter sets in band) must be announced under its own four-character code.
 * MP3 in an mp4a entry is named by its esds objectTypeIndication (`mp4a.6B`, MPEG-1 audio; `mp4a.69`,
 * MPEG-2), as MSE implementations expect for MP4, rather than the `mp4a.40.34` HLS uses for MPEG-TS.
 */
export function cmafCodecString(track: Track): string {
  const entry = track.configBox.entryType;
  if (track.kind === 'video' && /^(avc|hvc|hev)/.test(entry)) return entry + track.codecString.slice(4);
  if (track.kind === 'audio' && track.codec === 'mp3' && track.configBox.type === 'esds') {
    const { objectTypeIndication } = parseEsds({ type: 'esds', path: 'esds', payload: track.configBox.payload });
    return `mp4a.${objectTypeIndication.toString(16).toUpperCase()}`;
  }
  return track.codecString;
}
