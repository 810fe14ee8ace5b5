// Sample times on the rendition's common timeline: the edit shift applied, in seconds and in 90 kHz ticks.

import { CLOCK_90K_HZ, ticksTo90k } from '../clock.js';
import type { Movie, Track } from '../mp4/types.js';

/**
 * Room before the earliest timestamp: the muxer sends the first PCR ahead of the first DTS, and a
 * constant (rather than one fitted to each file) keeps renditions of one title on the same timeline.
 */
export const TIMELINE_LEAD_90K = CLOCK_90K_HZ;

/** The EditShift rule of daemon/mp4/types.ts, as a tick offset added to media times. */
function editOffsetTicks(track: Track): number {
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

/** The earliest presentation time of the track (with B-frames not necessarily sample 0's). */
export function trackStartSec(track: Track): number {
  let earliest = Infinity;
  for (let i = 0; i < track.samples.count; i++) earliest = Math.min(earliest, presentationTicks(track, i));
  return earliest / track.timescale;
}

/** The end of the track's last presented sample. */
export function trackEndSec(track: Track): number {
  let latest = -Infinity;
  for (let i = 0; i < track.samples.count; i++) latest = Math.max(latest, presentationTicks(track, i) + track.samples.durations[i]);
  return latest / track.timescale;
}

/** Lowest DTS or PTS of the track at 90 kHz, before the rendition shift. */
function lowest90k(track: Track): number {
  let lowestTicks = decodeTicks(track, 0);
  for (let i = 0; i < track.samples.count; i++) lowestTicks = Math.min(lowestTicks, presentationTicks(track, i));
  return ticksTo90k(lowestTicks, track.timescale);
}

/** The one constant added to every timestamp of the rendition: the lead, plus whatever edits pushed below zero. */
export function timelineShift90k(movie: Movie): number {
  const tracks = [movie.video, movie.audio].filter((track): track is Track => track !== undefined);
  const lowest = Math.min(0, ...tracks.map(lowest90k));
  return TIMELINE_LEAD_90K - lowest;
}

/** A sample's DTS and PTS at 90 kHz on the rendition's timeline, shift included. */
export function sampleTimes90k(track: Track, i: number, shift90k: number): { dts90k: number; pts90k: number } {
  const dts = decodeTicks(track, i);
  return {
    dts90k: ticksTo90k(dts, track.timescale) + shift90k,
    pts90k: ticksTo90k(dts + track.samples.cts[i], track.timescale) + shift90k,
  };
}
