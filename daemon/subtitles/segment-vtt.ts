// A subtitle track's cues → WebVTT segments cut at the media segments' instants, their playlist, and the whole-file form (pure).
//
// Every segment carries X-TIMESTAMP-MAP (RFC 8216 §3.5): LOCAL 0 (the cue times' origin, the
// rendition's presentation start) is MPEG-TS time `shift90k`, where the muxer puts presentation time
// 0 (every 90 kHz timestamp of the rendition is its time plus the plan's shift). The CMAF segments
// use the same shift in their decode times, so one set of WebVTT segments serves both HLS forms.

import { wrap33 } from '../mpegts/clock.js';
import { renderCue, type Cue } from './cues.js';
import { formatExtinf, targetDurationSec } from '../plan/playlist.js';
import type { SegmentPlan } from '../plan/types.js';

/** The instants a track is cut at: each planned segment's start and length on the presentation timeline. */
export interface SubtitleSpan {
  readonly number: number;
  readonly startSec: number;
  readonly durationSec: number;
}

export function spansOf(plan: SegmentPlan): SubtitleSpan[] {
  return plan.segments.map(({ number, startSec, durationSec }) => ({ number, startSec, durationSec }));
}

/**
 * The cues segment `n` shows: every cue that overlaps its span, whole (a cue across a boundary is in
 * each segment it overlaps; players drop the repeat, RFC 8216 §3.5). The first segment also takes
 * cues before its start, the last those after its end, so no cue is lost at the edges.
 */
export function cuesOfSegment(cues: readonly Cue[], spans: readonly SubtitleSpan[], n: number): Cue[] {
  const k = spans.findIndex((span) => span.number === n);
  if (k === -1) return [];
  const fromMs = k === 0 ? -Infinity : spans[k].startSec * 1000;
  const toMs = k === spans.length - 1 ? Infinity : (spans[k].startSec + spans[k].durationSec) * 1000;
  return cues.filter((cue) => cue.startMs < toMs && cue.endMs > fromMs);
}

/** `X-TIMESTAMP-MAP=MPEGTS:<pts>,LOCAL:00:00:00.000`: cue time 0 is the rendition's presentation time 0. */
export function timestampMapLine(shift90k: number): string {
  return `X-TIMESTAMP-MAP=MPEGTS:${wrap33(shift90k)},LOCAL:00:00:00.000`;
}

export function renderVttSegment(cues: readonly Cue[], shift90k: number): string {
  return ['WEBVTT', timestampMapLine(shift90k), '', ...cues.map((cue) => `${renderCue(cue)}\n`)].join('\n');
}

/** The whole track as one file, times on the presentation timeline (what a DASH period's time 0 is). */
export function renderVttFile(cues: readonly Cue[]): string {
  return ['WEBVTT', '', ...cues.map((cue) => `${renderCue(cue)}\n`)].join('\n');
}

/** The WebVTT media playlist: one segment per media segment, with the media playlist's EXTINF values. */
export function renderSubtitlePlaylist(spans: readonly SubtitleSpan[], segmentUri: (n: number) => string): string {
  const durationsSec = spans.map((span) => span.durationSec);
  const lines = ['#EXTM3U', `#EXT-X-TARGETDURATION:${targetDurationSec(durationsSec)}`, '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-VERSION:3', '#EXT-X-MEDIA-SEQUENCE:1'];
  for (const span of spans) lines.push(`#EXTINF:${formatExtinf(span.durationSec)},`, segmentUri(span.number));
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
