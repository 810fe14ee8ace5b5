// Standalone mode: the daemon sends a cached file itself, with Content-Length, Range and VOD cache headers.

import { createReadStream, promises as fs } from 'node:fs';
import { Readable } from 'node:stream';

/**
 * As the nginx drop-in's map (nginx/casterpak-http.conf explains the figures): a source re-encoded in place
 * keeps its URLs, so segments get the playlists' bounded lifetime, never `immutable`.
 */
export function cacheControlFor(contentType: string): string {
  return contentType === 'video/mp2t' || contentType === 'video/mp4' ? SEGMENT_CACHE_CONTROL : PLAYLIST_CACHE_CONTROL;
}

const SEGMENT_CACHE_CONTROL = 'public, max-age=60';
const PLAYLIST_CACHE_CONTROL = 'public, max-age=60';

type ByteRange = { start: number; end: number } | 'unsatisfiable' | undefined;

/** RFC 9110 §14.2: a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole. */
export function parseRange(header: string | undefined, sizeBytes: number): ByteRange {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, sizeBytes - Number(match[2]));
    end = sizeBytes - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? sizeBytes - 1 : Math.min(Number(match[2]), sizeBytes - 1);
  }
  if (start >= sizeBytes || start > end) return 'unsatisfiable';
  return { start, end };
}

export async function sendFile(absPath: string, contentType: string, request: Request): Promise<Response> {
  const { size } = await fs.stat(absPath);
  const headers = new Headers({
    'Content-Type': contentType,
    'Cache-Control': cacheControlFor(contentType),
    'Accept-Ranges': 'bytes',
    'Access-Control-Allow-Origin': '*',
  });
  const range = parseRange(request.headers.get('range') ?? undefined, size);
  if (range === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  headers.set('Content-Length', String(size === 0 ? 0 : end - start + 1));
  if (range) headers.set('Content-Range', `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (request.method === 'HEAD' || size === 0) return new Response(null, { status, headers });
  const body = Readable.toWeb(createReadStream(absPath, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}
