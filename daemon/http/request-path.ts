// URL path → what is asked for (rendition + file), refusing anything that could escape the media root.

import { CasterpakError } from '../errors.js';
import { parseCsmil } from '../master/csmil.js';
import { IFRAME_PLAYLIST_NAME } from '../plan/iframe-playlist.js';
import { MEDIA_PLAYLIST_NAME, segmentFileName } from '../plan/playlist.js';

/** Renditions CasterPak packages; anything else under the prefix is a 404. */
export const SOURCE_EXTENSIONS = ['.mp4', '.m4v', '.m4a', '.mov'] as const;

export type RenditionFile =
  | { kind: 'media-playlist' }
  | { kind: 'segment'; n: number }
  | { kind: 'master' }
  | { kind: 'iframe-playlist' };

export interface RenditionRequest {
  readonly type: 'rendition';
  /** The source below media_root, decoded, forward slashes: `2022/clip.mp4`. */
  readonly sourceRel: string;
  readonly file: RenditionFile;
  /** Where the answer lives below cache_dir (decoded URL path without the leading slash). */
  readonly cachePath: string;
}

/** The master playlist of an Akamai-style rendition set: `/i/<dir>/<prefix>,<a>,<b>,<suffix>.csmil/master.m3u8`. */
export interface RenditionSetRequest {
  readonly type: 'set';
  /** The sources below media_root, decoded, forward slashes, duplicates removed, in URL order. */
  readonly sourceRels: readonly string[];
  /** Where the master lives below cache_dir (decoded URL path without the leading slash). */
  readonly cachePath: string;
}

export type ParsedRequest = RenditionRequest | RenditionSetRequest;

/** Every request that is answered with a master playlist. */
export type MasterRequest = RenditionSetRequest | (RenditionRequest & { readonly file: { kind: 'master' } });

export function isMasterRequest(req: ParsedRequest): req is MasterRequest {
  return req.type === 'set' || req.file.kind === 'master';
}

const SEGMENT_NAME = /^segment([1-9]\d{0,8})_0_av\.ts$/;

/** The longest file name Linux filesystems take (NAME_MAX); a longer component can name no file. */
export const MAX_NAME_BYTES = 255;
/**
 * The longest decoded request path. The cache file is `cache_dir/<path>` and its temporary twin is longer
 * still: this leaves room for both under PATH_MAX (4096) with any sensible cache_dir.
 */
export const MAX_PATH_BYTES = 1024;
export const MASTER_NAME = 'master.m3u8';

function badPath(message: string, rawPath: string): CasterpakError {
  return new CasterpakError('BAD_PATH', message, { rawPath });
}

function notFound(rawPath: string): CasterpakError {
  return new CasterpakError('NOT_FOUND', 'no such resource', { rawPath });
}

/**
 * Decodes each path segment exactly once and refuses what could climb out of the media root:
 * `..` and `.`, NUL, backslashes, and slashes that were percent-encoded inside a segment; and names too long
 * for any file (400 rather than ENAMETOOLONG from the filesystem).
 */
export function decodeSegments(rawPath: string): string[] {
  const segments = rawPath.split('/').slice(1);
  const decoded = segments.map((raw) => {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw badPath('malformed percent-encoding in the path', rawPath);
    }
    if (segment === '' || segment === '.' || segment === '..') throw badPath('empty, "." or ".." path segment', rawPath);
    if (segment.includes('/')) throw badPath('encoded slash in the path', rawPath);
    if (segment.includes('\\')) throw badPath('backslash in the path', rawPath);
    if (segment.includes('\0')) throw badPath('NUL byte in the path', rawPath);
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES) throw badPath(`a path segment is longer than ${MAX_NAME_BYTES} bytes`, rawPath);
    return segment;
  });
  if (decoded.reduce((sum, s) => sum + Buffer.byteLength(s) + 1, 0) > MAX_PATH_BYTES) throw badPath(`the path is longer than ${MAX_PATH_BYTES} bytes`, rawPath);
  return decoded;
}

function fileNameOf(file: RenditionFile): string {
  switch (file.kind) {
    case 'segment':
      return segmentFileName(file.n);
    case 'master':
      return MASTER_NAME;
    case 'iframe-playlist':
      return IFRAME_PLAYLIST_NAME;
    case 'media-playlist':
      return MEDIA_PLAYLIST_NAME;
  }
}

/** The request for one file of a rendition, as parseRequestPath would return it (for `casterpakd warm`). */
export function renditionRequest(urlPrefix: string, sourceRel: string, file: RenditionFile): RenditionRequest {
  return { type: 'rendition', sourceRel, file, cachePath: `${urlPrefix.slice(1)}${sourceRel}/${fileNameOf(file)}` };
}

/** The cache folder of a rendition, relative to cache_dir, with a trailing slash: `i/2022/clip.mp4/`. */
export function renditionCacheDir(urlPrefix: string, sourceRel: string): string {
  return `${urlPrefix.slice(1)}${sourceRel}/`;
}

export function renditionFile(name: string): RenditionFile | undefined {
  if (name === MEDIA_PLAYLIST_NAME) return { kind: 'media-playlist' };
  if (name === MASTER_NAME) return { kind: 'master' };
  if (name === IFRAME_PLAYLIST_NAME) return { kind: 'iframe-playlist' };
  const segment = SEGMENT_NAME.exec(name);
  return segment ? { kind: 'segment', n: Number(segment[1]) } : undefined;
}

export function hasSourceExtension(name: string): boolean {
  const lower = name.toLowerCase();
  return SOURCE_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length);
}

/**
 * Parses a raw (still percent-encoded) URL path under `urlPrefix` (e.g. `/i/`).
 * Throws BAD_PATH (400) for tricks, NOT_FOUND (404) for any other shape.
 */
export function parseRequestPath(rawPath: string, urlPrefix: string): ParsedRequest {
  const prefixSegments = urlPrefix.split('/').filter(Boolean);
  const segments = decodeSegments(rawPath);
  const underPrefix = prefixSegments.every((p, i) => segments[i] === p);
  if (!underPrefix || segments.length < prefixSegments.length + 2) throw notFound(rawPath);
  const sourceSegments = segments.slice(prefixSegments.length, -1);
  const fileName = segments[segments.length - 1];
  const container = sourceSegments[sourceSegments.length - 1];
  const set = fileName === MASTER_NAME ? parseCsmil(container, hasSourceExtension) : undefined;
  if (set) {
    // Every rendition is a sibling of the csmil: entries cannot hold a slash (decodeSegments refuses one).
    const dir = sourceSegments.slice(0, -1);
    return { type: 'set', sourceRels: set.fileNames.map((name) => [...dir, name].join('/')), cachePath: segments.join('/') };
  }
  const file = renditionFile(fileName);
  if (!file || !hasSourceExtension(container)) throw notFound(rawPath);
  return {
    type: 'rendition',
    sourceRel: sourceSegments.join('/'),
    file,
    cachePath: segments.join('/'),
  };
}
