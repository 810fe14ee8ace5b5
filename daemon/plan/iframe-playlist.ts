// The I-frame playlist text (RFC 8216 §4.3.3.6): one byte range per random access picture, into the rendition's segments.

import { formatExtinf, targetDurationSec } from './playlist.js';

/** EXT-X-BYTERANGE and EXT-X-I-FRAMES-ONLY need protocol version 4 (RFC 8216 §7). */
export const IFRAME_PLAYLIST_VERSION = 4;

export interface IframeEntry {
  /** 1-based number of the segment that holds the picture. */
  readonly segmentNumber: number;
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  /** From this picture's presentation time to the next one's (or to the end of the rendition). */
  readonly durationSec: number;
}

export interface IframePlaylistOptions {
  readonly entries: readonly IframeEntry[];
  /** The URI written for segment N: relative `segment1_0_av.ts` or absolute. */
  readonly segmentUri: (n: number) => string;
}

/**
 * Tags in the order of the media playlist (README.md#urls), plus EXT-X-I-FRAMES-ONLY. Every range of a
 * segment's first picture starts at byte 0, so it holds that segment's PAT and PMT (the Media
 * Initialization Section, RFC 8216 §3) and no EXT-X-MAP is needed (§4.3.2.5); later pictures of the
 * segment are decoded with the PAT/PMT the client already holds, which is the same in every segment.
 */
export function renderIframePlaylist(options: IframePlaylistOptions): string {
  const { entries } = options;
  const lines = [
    '#EXTM3U',
    `#EXT-X-TARGETDURATION:${targetDurationSec(entries.map((e) => e.durationSec))}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-VERSION:${IFRAME_PLAYLIST_VERSION}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-I-FRAMES-ONLY',
  ];
  for (const entry of entries) {
    lines.push(
      `#EXTINF:${formatExtinf(entry.durationSec)},`,
      `#EXT-X-BYTERANGE:${entry.lengthBytes}@${entry.offsetBytes}`,
      options.segmentUri(entry.segmentNumber),
    );
  }
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
