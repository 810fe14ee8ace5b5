// What CMAF manifests say about one rendition: each track's segments (times, exact sizes) and bit rates, from the plan alone (pure).

import { cmafCodecString, shiftTicks, trackOf, trackSegmentFacts, trackSegmentTimes, type CmafSegmentFacts, type CmafSegmentTimes, type CmafTrackKind } from '../fmp4/track-segments.js';
import type { Movie, Track, VideoTrack } from '../mp4/types.js';
import type { SegmentPlan } from '../plan/types.js';
import { bitrates, type Bitrates, type SizedSegment } from './bitrate.js';
import type { CmafTrack } from '../layout/cmaf-files.js';
import type { AudioLabel } from './audio-labels.js';
import { medianSampleDuration } from './variant.js';

/** What a track's media playlist says: its segments' times, nothing of their sizes. */
export interface CmafTrackTimes {
  readonly kind: CmafTrackKind;
  readonly track: Track;
  readonly segments: readonly CmafSegmentTimes[];
}

export interface CmafTrackFacts extends CmafTrackTimes {
  readonly codecs: string;
  readonly segments: readonly CmafSegmentFacts[];
  /** The rendition's timeline shift in this track's ticks (DASH presentationTimeOffset starts from it). */
  readonly shiftTicks: number;
  readonly bitrates: Bitrates;
}

/** One audio rendition of a group: its track's facts, the CMAF name of its files, where they are, its label. */
export interface CmafGroupAudio {
  readonly facts: CmafTrackFacts;
  readonly track: CmafTrack;
  readonly baseUri: string;
  readonly label: AudioLabel;
}

export interface CmafAudioGroup {
  readonly id: string;
  readonly members: readonly CmafGroupAudio[];
}

export interface CmafRendition {
  /** Text written before the rendition's CMAF file names (relative or absolute, already encoded). */
  readonly baseUri: string;
  readonly movie: Movie;
  readonly plan: SegmentPlan;
  readonly video?: CmafTrackFacts;
  readonly audio?: CmafTrackFacts;
  /** Video and audio together, segment by segment as players fetch them: the HLS variant's BANDWIDTH. */
  readonly combined: Bitrates;
  /** The audio renditions the video plays with, when there are several (see cmaf-audio-group.ts); `audio` is then absent. */
  readonly audioGroup?: CmafAudioGroup;
}

function sized(track: Track, segments: readonly CmafSegmentFacts[]): SizedSegment[] {
  return segments.map((s) => ({ sizeBytes: s.sizeBytes, durationSec: s.durationTicks / track.timescale }));
}

function trackFacts(kind: CmafTrackKind, track: Track | undefined, plan: SegmentPlan): CmafTrackFacts | undefined {
  if (!track) return undefined;
  const segments = trackSegmentFacts(track, kind, plan);
  return { kind, track, codecs: cmafCodecString(track), segments, shiftTicks: shiftTicks(track, plan), bitrates: bitrates(sized(track, segments)) };
}

/**
 * Segment N of the variant is video segment N plus audio segment N (what a player fetches together),
 * over the duration the variant's own media playlist gives it: the video's (the audio's when there is no video).
 */
function combinedBitrates(lead: CmafTrackFacts, other: CmafTrackFacts | undefined): Bitrates {
  const otherBytes = new Map((other?.segments ?? []).map((s) => [s.number, s.sizeBytes]));
  return bitrates(
    lead.segments.map((s) => ({ sizeBytes: s.sizeBytes + (otherBytes.get(s.number) ?? 0), durationSec: s.durationTicks / lead.track.timescale })),
  );
}

export function describeCmafRendition(baseUri: string, movie: Movie, plan: SegmentPlan): CmafRendition {
  const video = trackFacts('video', movie.video, plan);
  const audio = trackFacts('audio', movie.audio, plan);
  const lead = (video ?? audio) as CmafTrackFacts;
  return { baseUri, movie, plan, ...(video ? { video } : {}), ...(audio ? { audio } : {}), combined: combinedBitrates(lead, video ? audio : undefined) };
}

/**
 * One track's segment times alone, for its media playlist: the segments' sizes and the rendition's bit
 * rates (a fragment sized per segment, both tracks) are what only the master and the MPD print.
 */
export function cmafTrackTimes(movie: Movie, plan: SegmentPlan, kind: CmafTrackKind): CmafTrackTimes | undefined {
  const track = trackOf(movie, kind);
  return track ? { kind, track, segments: trackSegmentTimes(track, kind, plan) } : undefined;
}

/** Where the rendition's presentation ends on the movie timeline (time 0 is the movie's start after its edit lists). */
export function renditionEndSec(rendition: CmafRendition): number {
  const last = rendition.plan.segments[rendition.plan.segments.length - 1];
  return last ? last.startSec + last.durationSec : 0;
}

/** Frame rate as an exact fraction of the track's timescale over its median sample duration: `25`, `30000/1001`. */
export function frameRateFraction(video: VideoTrack): string {
  const median = medianSampleDuration(video) || 1;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const divisor = gcd(video.timescale, median);
  const num = video.timescale / divisor;
  const den = median / divisor;
  return den === 1 ? String(num) : `${num}/${den}`;
}

