// A raw URL path → what is asked for: decoded once, refusing anything that could escape the media root.

import { CasterpakError } from '../errors.js';
import { requestOfSegments, type ParsedRequest } from '../layout/requests.js';

/** The longest file name Linux filesystems take (NAME_MAX); a longer component can name no file. */
export const MAX_NAME_BYTES = 255;
/**
 * The longest decoded request path. The cache file is `cache_dir/<path>` and its temporary twin is longer
 * still: this leaves room for both under PATH_MAX (4096) with any sensible cache_dir.
 */
export const MAX_PATH_BYTES = 1024;

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

/**
 * Parses a raw (still percent-encoded) URL path under `urlPrefix` (e.g. `/i/`).
 * Throws BAD_PATH (400) for tricks, NOT_FOUND (404) for any other shape.
 */
export function parseRequestPath(rawPath: string, urlPrefix: string): ParsedRequest {
  const request = requestOfSegments(decodeSegments(rawPath), urlPrefix);
  if (!request) throw notFound(rawPath);
  return request;
}
