// The files of a rendition's folder: their names, what each one is, and the kind the cache records (pure).
//
// Every name a URL, a packager's output folder or the cache uses is written here once. A new output
// format (fMP4 files in a folder of their own beside the MPEG-TS ones) adds its names and kinds here.

import path from 'node:path';
import { CMAF_DIR, MPD_NAME, cmafFileName, type CmafFile } from './cmaf-files.js';
import { isSubtitleFile, subtitleFile, subtitleFileName, type SubtitleFile } from './subtitle-files.js';
import { isTrackFile, trackFile, trackFileName, type TrackFile } from './track-files.js';

/** `segment<N>_0_av.ts`, the Akamai MSOD segment name, N from 1. */
export function segmentFileName(n: number): string {
  return segmentFileTemplate(String(n));
}

/** The segment name with `placeholder` where N goes, for a tool that numbers its own output (ffmpeg's `%d`). */
export function segmentFileTemplate(placeholder: string): string {
  return `segment${placeholder}_0_av.ts`;
}

export const MEDIA_PLAYLIST_NAME = 'index_0_av.m3u8';

export const IFRAME_PLAYLIST_NAME = 'iframes_0_v.m3u8';

export const MASTER_NAME = 'master.m3u8';

const SEGMENT_NAME = /^segment([1-9]\d{0,8})_0_av\.ts$/;

export type RenditionFile =
  | { kind: 'media-playlist' }
  | { kind: 'segment'; n: number }
  | { kind: 'master' }
  | { kind: 'iframe-playlist' }
  | TrackFile
  | CmafFile
  | SubtitleFile;

export function fileNameOf(file: RenditionFile): string {
  switch (file.kind) {
    case 'segment':
      return segmentFileName(file.n);
    case 'master':
      return MASTER_NAME;
    case 'iframe-playlist':
      return IFRAME_PLAYLIST_NAME;
    case 'media-playlist':
      return MEDIA_PLAYLIST_NAME;
    default:
      if (isSubtitleFile(file)) return subtitleFileName(file);
      return isTrackFile(file) ? trackFileName(file) : `${CMAF_DIR}/${cmafFileName(file)}`;
  }
}

export function renditionFile(name: string): RenditionFile | undefined {
  if (name === MEDIA_PLAYLIST_NAME) return { kind: 'media-playlist' };
  if (name === MASTER_NAME) return { kind: 'master' };
  if (name === IFRAME_PLAYLIST_NAME) return { kind: 'iframe-playlist' };
  const segment = SEGMENT_NAME.exec(name);
  return segment ? { kind: 'segment', n: Number(segment[1]) } : (trackFile(name) ?? subtitleFile(name));
}

/** What the cache records of a file (cache_files.kind): prune evicts masters, playlists and segments differently. */
export type FileKind = 'playlist' | 'segment' | 'master';

/** The kind of any file found in the cache tree, ours by name or not (a file adopted by prune). */
export function fileKindOf(cachePath: string): FileKind {
  const name = path.posix.basename(cachePath);
  if (name === MASTER_NAME || name === MPD_NAME) return 'master';
  return name.endsWith('.m3u8') ? 'playlist' : 'segment';
}
