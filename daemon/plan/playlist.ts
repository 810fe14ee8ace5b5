// The media playlist text, in the original project's form (README.md#urls), from segment durations alone.

import { segmentFileName } from '../layout/rendition-files.js';

export interface MediaPlaylistOptions {
  /** Segment durations in seconds, in order; segment N is durationsSec[N - 1]. */
  readonly durationsSec: readonly number[];
  /** The URI written for segment N (1-based): relative `segment1_0_av.ts` or absolute. */
  readonly segmentUri: (n: number) => string;
  /** `#EXT-X-ALLOW-CACHE:YES` (deprecated since protocol version 7, kept by default as the original project). */
  readonly allowCache: boolean;
  /** Where players begin, past an edit's hidden pre-roll (SegmentPlan.startOffsetSec); no EXT-X-START when absent. */
  readonly startOffsetSec?: number;
}

/** EXTINF text: the real duration with 3 decimals. */
export function formatExtinf(durationSec: number): string {
  return durationSec.toFixed(3);
}

/**
 * RFC 8216 §4.3.3.1: every EXTINF, rounded to the nearest integer, must be <= TARGETDURATION.
 * Round half up, from the same 3-decimal text that is printed, so the two can never disagree.
 */
export function targetDurationSec(durationsSec: readonly number[]): number {
  let target = 0;
  for (const duration of durationsSec) {
    const printed = Number(formatExtinf(duration));
    target = Math.max(target, Math.floor(printed + 0.5));
  }
  return Math.max(target, 1);
}

/** Into the first picture by this much at least (a picture lasts 8 ms even at 120 fps). */
const START_MARGIN_MS = 0.5;

/**
 * RFC 8216 §4.3.5.2 EXT-X-START, PRECISE=YES: begin at the edit, not at the pre-roll before it. The
 * offset is at least half a millisecond past the picture's start, rounded up to the millisecond, so
 * the position lands inside the edit's first picture whatever the player's rounding of its own
 * timeline, and never on the last picture before it.
 */
export function startTag(startOffsetSec: number): string {
  return `#EXT-X-START:TIME-OFFSET=${(Math.ceil(startOffsetSec * 1000 + START_MARGIN_MS) / 1000).toFixed(3)},PRECISE=YES`;
}

/** `playlist` with EXT-X-START after its first line when there is an offset (for playlists rendered elsewhere). */
export function withStartTag(playlist: string, startOffsetSec: number | undefined): string {
  if (startOffsetSec === undefined) return playlist;
  const lineEnd = playlist.indexOf('\n');
  return `${playlist.slice(0, lineEnd + 1)}${startTag(startOffsetSec)}\n${playlist.slice(lineEnd + 1)}`;
}

/** Bytes renderMediaPlaylist writes for these durations with relative URIs (and ALLOW-CACHE), counted without writing it. */
export function relativePlaylistBytes(durationsSec: readonly number[], startOffsetSec?: number): number {
  // The tags around the entries, as an empty playlist has them, with this playlist's TARGETDURATION.
  const empty = renderMediaPlaylist({ durationsSec: [], segmentUri: segmentFileName, allowCache: true, ...(startOffsetSec !== undefined ? { startOffsetSec } : {}) }).length;
  let bytes = empty - String(targetDurationSec([])).length + String(targetDurationSec(durationsSec)).length;
  durationsSec.forEach((duration, index) => {
    bytes += `#EXTINF:${formatExtinf(duration)},\n`.length + segmentFileName(index + 1).length + 1;
  });
  return bytes;
}

export function renderMediaPlaylist(options: MediaPlaylistOptions): string {
  const { durationsSec } = options;
  const lines = ['#EXTM3U', `#EXT-X-TARGETDURATION:${targetDurationSec(durationsSec)}`];
  if (options.allowCache) lines.push('#EXT-X-ALLOW-CACHE:YES');
  lines.push('#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-VERSION:3', '#EXT-X-MEDIA-SEQUENCE:1');
  if (options.startOffsetSec !== undefined) lines.push(startTag(options.startOffsetSec));
  durationsSec.forEach((duration, index) => {
    lines.push(`#EXTINF:${formatExtinf(duration)},`, options.segmentUri(index + 1));
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
