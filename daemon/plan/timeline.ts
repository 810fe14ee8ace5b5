// Sample times on the rendition's common timeline: the edit shift applied, in seconds and in 90 kHz ticks.

import { CLOCK_90K_HZ, ticksTo90k } from '../clock.js';
import type { Track } from '../mp4/types.js';

/**
 * Room before the earliest timestamp: the muxer sends the first PCR ahead of the first DTS, and a
 * constant (rather than one fitted to each file) keeps renditions of one title on the same timeline.
 */
export const TIMELINE_LEAD_90K = CLOCK_90K_HZ;

/** The EditShift rule of daemon/mp4/types.ts, as a tick offset added to media times. */
export function editOffsetTicks(track: Track): number {
  return track.edit.emptyDelayTicks - track.edit.mediaStartTicks;
}

/** Presentation time of sample `i` in track ticks: pts = dts + cts, then the edit shift. */
export function presentationTicks(track: Track, i: number): number {
  return track.samples.dts[i] + track.samples.cts[i] + editOffsetTicks(track);
}

export function presentationSec(track: Track, i: number): number {
  return presentationTicks(track, i) / track.timescale;
}

/** Decode time of sample `i` on the timeline, in track ticks. */
export function decodeTicks(track: Track, i: number): number {
  return track.samples.dts[i] + editOffsetTicks(track);
}

export interface TrackExtent {
  /**
   * Where the track's presentation starts: its edit's start (after any empty edit), or its earliest
   * presentation time when that is later. Pre-roll an edit hides lies before it.
   */
  readonly startSec: number;
  /** Where it ends: the end of its last sample, or the edit's end when the edit says one. */
  readonly endSec: number;
  /** Lowest DTS or PTS at 90 kHz, pre-roll included, before the rendition shift. */
  readonly lowest90k: number;
  /** The earliest presentation time of any kept sample, pre-roll included. */
  readonly earliestSec: number;
}

/**
 * An edit may run past its media (ffmpeg's cuts reach a frame or two beyond the last one) and the
 * presentation lasts as long as the edit says; one that runs on much longer than the media is taken
 * to end with it, so that a last segment cannot promise seconds it does not hold.
 */
const MAX_EDIT_OVERRUN_SEC = 1;

/**
 * Earliest and latest presentation ticks of the track (edit shift applied, each sample's end for the
 * latest): one pass over its samples (a long rendition has 10^5–10^6). Apart from trackExtent's
 * arithmetic on purpose: the start-up warm-up's demo has whole-second extents, so the optimised
 * trackExtent took its divisions for integer ones and was thrown away on the first real source, and
 * this loop with it (the next track's 84,000 samples then ran interpreted, about 10 ms).
 */
function presentationRangeTicks(track: Track): { earliest: number; latest: number } {
  const { count, dts, cts, durations } = track.samples;
  const offset = editOffsetTicks(track);
  let earliest = Infinity;
  let latest = -Infinity;
  for (let i = 0; i < count; i++) {
    const pts = dts[i] + cts[i] + offset;
    if (pts < earliest) earliest = pts;
    if (pts + durations[i] > latest) latest = pts + durations[i];
  }
  return { earliest, latest };
}

export function trackExtent(track: Track): TrackExtent {
  const { earliest, latest } = presentationRangeTicks(track);
  const offset = editOffsetTicks(track);
  const { emptyDelayTicks, mediaDurationTicks } = track.edit;
  const editEnd = mediaDurationTicks === undefined ? latest : Math.min(emptyDelayTicks + mediaDurationTicks, latest + MAX_EDIT_OVERRUN_SEC * track.timescale);
  return {
    startSec: Math.max(earliest, emptyDelayTicks) / track.timescale,
    endSec: editEnd / track.timescale,
    lowest90k: ticksTo90k(Math.min(earliest, track.samples.dts[0] + offset), track.timescale),
    earliestSec: earliest / track.timescale,
  };
}

/** Less than this between a video's earliest picture and the presentation start is rounding, not pre-roll. */
const PREROLL_MIN_SEC = 0.001;

/** The earliest presentation time of a picture at or after `startSec` (an edit may start inside a picture's interval). */
function firstPictureFromSec(video: Track, startSec: number): number {
  let first = Infinity;
  const fromTicks = startSec * video.timescale - 1e-6;
  for (let i = 0; i < video.samples.count; i++) {
    const pts = presentationTicks(video, i);
    if (pts >= fromTicks && pts < first) first = pts;
  }
  return first / video.timescale;
}

/**
 * How far after the rendition's earliest timestamp (DTS or PTS, any track) its first picture at or
 * after the presentation start is shown, when the video keeps pre-roll that an edit hides (undefined
 * otherwise). Players that lay their timeline from the earliest timestamp (hls.js, from MPEG-TS and
 * from fMP4) must begin this far in to start at the edit; MSE cannot decode a picture without
 * showing it, so a player that drops the pre-roll instead loses the pictures after it up to the next
 * keyframe. The picture is the one ffmpeg shows first (it skips a picture the edit starts inside).
 */
export function prerollStartOffsetSec(extents: readonly TrackExtent[], video: { track: Track; extent: TrackExtent } | undefined, startSec: number): number | undefined {
  if (!video || !(video.extent.earliestSec < startSec - PREROLL_MIN_SEC)) return undefined;
  // Video that an empty edit starts after the audio: begin with the audio, at the presentation start.
  const firstSec = video.extent.startSec > startSec + PREROLL_MIN_SEC ? startSec : firstPictureFromSec(video.track, startSec);
  if (!Number.isFinite(firstSec)) return undefined;
  return firstSec - Math.min(...extents.map((extent) => extent.lowest90k)) / CLOCK_90K_HZ;
}

/** Room kept below the earliest timestamp for the PCR, which the MPEG-TS muxer sends 100 ms ahead of it. */
const PCR_ROOM_90K = 9_000;

/**
 * The one constant added to every timestamp of the rendition: a whole number of leads (one unless
 * edits put more than 0.9 s of pre-roll before zero). It depends on the pre-roll only in whole steps
 * so that presentation time t is the same MPEG-TS (and fMP4) timestamp in every rendition of a title:
 * a video whose B-frames decode 80 ms before zero and an audio-only file whose AAC priming starts
 * 21 ms before zero both put t = 0 at 90000, and a player joining a set's video and audio-only
 * renditions by timestamp plays them in sync, their segments starting at the same instants.
 */
export function timelineShift90k(extents: readonly TrackExtent[]): number {
  const preroll90k = Math.max(0, ...extents.map((extent) => -extent.lowest90k));
  return TIMELINE_LEAD_90K * (1 + Math.floor((preroll90k + PCR_ROOM_90K) / TIMELINE_LEAD_90K));
}

/** A sample's DTS and PTS at 90 kHz on the rendition's timeline, shift included. */
export function sampleTimes90k(track: Track, i: number, shift90k: number): { dts90k: number; pts90k: number } {
  const dts = decodeTicks(track, i);
  return {
    dts90k: ticksTo90k(dts, track.timescale) + shift90k,
    pts90k: ticksTo90k(dts + track.samples.cts[i], track.timescale) + shift90k,
  };
}

/** Every sample's DTS and PTS at 90 kHz on the timeline, column by column (index i is sample i). */
export interface TimeColumns90k {
  readonly dts90k: Float64Array;
  readonly pts90k: Float64Array;
}

/**
 * What sampleTimes90k gives, for every sample of the track at once and with the same arithmetic:
 * two typed arrays instead of an object per sample, for passes over a whole rendition (the master's
 * model of every segment).
 */
export function trackTimes90k(track: Track, shift90k: number): TimeColumns90k {
  const { count, dts, cts } = track.samples;
  const offset = editOffsetTicks(track);
  const dts90k = new Float64Array(count);
  const pts90k = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const decode = dts[i] + offset;
    dts90k[i] = ticksTo90k(decode, track.timescale) + shift90k;
    // audio and pictures without reordering: the same ticks, so the same conversion
    pts90k[i] = cts[i] === 0 ? dts90k[i] : ticksTo90k(decode + cts[i], track.timescale) + shift90k;
  }
  return { dts90k, pts90k };
}
