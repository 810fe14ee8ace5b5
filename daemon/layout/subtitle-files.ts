// The names of a rendition's subtitle files, beside its MPEG-TS files, and of the side files they come from (pure).
//
// Each subtitle track of a rendition has a key: the language tag of a side file (`en`, `pt-BR`), or
// `track<ID>` for a text track inside the MP4. Its files, in the rendition's folder:
//   subs_<key>.m3u8     WebVTT media playlist (HLS, MPEG-TS and fMP4 masters alike)
//   subs_<key>_<N>.vtt  WebVTT segment N, cut at the instants of media segment N
//   subs_<key>.vtt      the whole track as one WebVTT file (the DASH MPD's text representation)
// Side files lie next to the MP4 and are named after it without its extension:
//   clip.mp4 → clip.en.vtt, clip.pt-BR.srt

import { renditionBaseUri, type RenditionUriOptions } from './uris.js';

/** A side file's language: a 2- or 3-letter language, then subtags (`en`, `pt-BR`, `zh-Hant`, `sr-Latn-RS`). */
const LANGUAGE_KEY = '[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*';
/** A text track in the MP4: its track_ID. Never a language tag (those hold no digit in their first subtag). */
const TRACK_KEY = 'track[1-9]\\d{0,9}';
const KEY = `(${LANGUAGE_KEY}|${TRACK_KEY})`;

const NAME = new RegExp(`^subs_${KEY}(?:\\.m3u8|_([1-9]\\d{0,8})\\.vtt|\\.vtt)$`);

export type SubtitleFile =
  | { kind: 'subs-playlist'; key: string }
  | { kind: 'subs-segment'; key: string; n: number }
  | { kind: 'subs-whole'; key: string };

export function subtitlePlaylistName(key: string): string {
  return `subs_${key}.m3u8`;
}

export function subtitleSegmentName(key: string, n: number): string {
  return `subs_${key}_${n}.vtt`;
}

export function subtitleWholeName(key: string): string {
  return `subs_${key}.vtt`;
}

export function subtitleFileName(file: SubtitleFile): string {
  switch (file.kind) {
    case 'subs-playlist':
      return subtitlePlaylistName(file.key);
    case 'subs-segment':
      return subtitleSegmentName(file.key, file.n);
    case 'subs-whole':
      return subtitleWholeName(file.key);
  }
}

/** A name in a rendition's folder → the subtitle file it is, or undefined. */
export function subtitleFile(name: string): SubtitleFile | undefined {
  const match = NAME.exec(name);
  if (!match) return undefined;
  const key = match[1];
  if (name.endsWith('.m3u8')) return { kind: 'subs-playlist', key };
  if (match[2] !== undefined) return { kind: 'subs-segment', key, n: Number(match[2]) };
  return { kind: 'subs-whole', key };
}

export function isSubtitleFile(file: { kind: string }): file is SubtitleFile {
  return file.kind.startsWith('subs-');
}

/** The key of the MP4's text track with this track_ID. */
export function embeddedTrackKey(trackId: number): string {
  return `track${trackId}`;
}

export type SideFileFormat = 'vtt' | 'srt';

export interface SideFileName {
  /** The language tag as written in the name (`en`, `pt-BR`): also the track's key. */
  readonly language: string;
  readonly format: SideFileFormat;
}

const SIDE_FILE = new RegExp(`^\\.(${LANGUAGE_KEY})\\.(vtt|srt)$`, 'i');

/**
 * A file name in the MP4's folder → the side file of that MP4 it is, or undefined. `clip.mp4` takes
 * `clip.<lang>.vtt` and `clip.<lang>.srt`: the MP4's name without its extension, a language tag, the format.
 */
export function sideFileOf(sourceName: string, name: string): SideFileName | undefined {
  const dot = sourceName.lastIndexOf('.');
  const stem = dot > 0 ? sourceName.slice(0, dot) : sourceName;
  if (!name.startsWith(stem)) return undefined;
  const match = SIDE_FILE.exec(name.slice(stem.length));
  if (!match) return undefined;
  return { language: match[1], format: match[2].toLowerCase() as SideFileFormat };
}

/**
 * The text written before a subtitle file name of the rendition, from a master of `format`: the files
 * lie in the rendition's folder, one level above the `cmaf/` folder the CMAF master and MPD are in.
 */
export function subtitleBaseUri(options: RenditionUriOptions, format: 'ts' | 'cmaf'): string {
  const base = renditionBaseUri(options);
  return format === 'ts' || options.publicBaseUrl !== '' ? base : `../${base}`;
}
