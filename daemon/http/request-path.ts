// A raw URL path → what is asked for: decoded once, refusing anything that could escape the media root.

import { CasterpakError } from '../errors.js';
import { requestOfSegments, type ParsedRequest } from '../layout/requests.js';

function badPath(message: string, rawPath: string): CasterpakError {
  return new CasterpakError('BAD_PATH', message, { rawPath });
}

function notFound(rawPath: string): CasterpakError {
  return new CasterpakError('NOT_FOUND', 'no such resource', { rawPath });
}

/**
 * Decodes each path segment exactly once and refuses what could climb out of the media root:
 * `..` and `.`, NUL, backslashes, and slashes that were percent-encoded inside a segment.
 */
export function decodeSegments(rawPath: string): string[] {
  const segments = rawPath.split('/').slice(1);
  return segments.map((raw) => {
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
    return segment;
  });
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
