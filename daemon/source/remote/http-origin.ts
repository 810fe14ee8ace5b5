// media_root on an HTTP(S) server that answers Range: HEAD for the version, If-Match ranged GETs, one keep-alive pool.

import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { httpObjectUrl, OriginFailure, networkFailure, rangedBody, type ObjectInfo, type Origin, type RangeRequest } from './origin.js';
import type { OriginStats } from './origin-stats.js';
import { DEFAULT_RETRY, statusFailure, withRetries } from './retry.js';

export interface HttpOriginOptions {
  /** `http://host/path/` or `https://…/`, ending in a slash. */
  readonly baseUrl: string;
  /** A request that has not answered (its headers, or the next body bytes) within this fails (504). */
  readonly timeoutMs: number;
  readonly stats: OriginStats;
}

/**
 * The header that pins a read to one version: the ETag, or Last-Modified when there is none. A weak ETag
 * (`W/"…"`) never matches If-Match, whose comparison is strong (RFC 9110 §13.1.1): Last-Modified then.
 */
export function versionHeaders(info: ObjectInfo): Record<string, string> {
  if (info.etag && !info.etag.startsWith('W/')) return { 'if-match': info.etag };
  if (info.lastModifiedMs !== undefined) return { 'if-unmodified-since': new Date(info.lastModifiedMs).toUTCString() };
  return {};
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Size (from Content-Length or Content-Range) and version headers → ObjectInfo. */
function objectInfo(headers: Dispatcher.ResponseData['headers'], sizeBytes: number, what: string): ObjectInfo {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) throw new OriginFailure('failed', `${what}: no object size in the answer`);
  const modified = header(headers, 'last-modified');
  const lastModifiedMs = modified ? Date.parse(modified) : NaN;
  const etag = header(headers, 'etag');
  return { sizeBytes, ...(etag ? { etag } : {}), ...(Number.isFinite(lastModifiedMs) ? { lastModifiedMs } : {}) };
}

export function httpOrigin(options: HttpOriginOptions): Origin {
  const { baseUrl, timeoutMs, stats } = options;
  // One pool for the daemon: connections are kept and reused between the reads of every run. An origin
  // that redirects (a moved folder, a CDN handing over to storage) is followed a few hops.
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: timeoutMs } });
  const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 3 }));
  const urlOf = (key: string) => httpObjectUrl(baseUrl, key);
  const send = async (url: string, init: { method: 'GET' | 'HEAD'; headers?: Record<string, string> }) => {
    try {
      return await request(url, { ...init, dispatcher });
    } catch (err) {
      throw networkFailure(err);
    }
  };
  /** The object's size and version from a HEAD; undefined when the server does not take HEAD (405, 501). */
  const headInfo = (key: string): Promise<ObjectInfo | undefined> =>
    withRetries(stats, DEFAULT_RETRY, async () => {
      const res = await send(urlOf(key), { method: 'HEAD' });
      res.body.resume();
      if (res.statusCode === 405 || res.statusCode === 501) return { value: undefined, bytes: 0 };
      if (res.statusCode !== 200) throw statusFailure(res.statusCode, `HEAD ${key}`);
      return { value: objectInfo(res.headers, Number(header(res.headers, 'content-length')), `HEAD ${key}`), bytes: 0 };
    });
  /** The same from a one-byte ranged GET: the size is the total of its Content-Range. */
  const rangeInfo = (key: string): Promise<ObjectInfo> =>
    withRetries(stats, DEFAULT_RETRY, async () => {
      const res = await send(urlOf(key), { method: 'GET', headers: { range: 'bytes=0-0' } });
      res.body.resume();
      if (res.statusCode !== 206) throw statusFailure(res.statusCode, `GET ${key} bytes=0-0`);
      const total = /\/(\d+)\s*$/.exec(header(res.headers, 'content-range') ?? '')?.[1];
      return { value: objectInfo(res.headers, Number(total), `GET ${key} bytes=0-0`), bytes: 1 };
    });
  const head = async (key: string): Promise<ObjectInfo> => (await headInfo(key)) ?? rangeInfo(key);

  return {
    kind: 'http',
    root: baseUrl,
    addressOf: urlOf,
    head,
    getRange: (req: RangeRequest) =>
      withRetries(stats, DEFAULT_RETRY, async () => {
        const range = `bytes=${req.offset}-${req.offset + req.length - 1}`;
        const res = await send(urlOf(req.key), { method: 'GET', headers: { range, ...versionHeaders(req.info) } });
        const whole = res.statusCode === 200 && req.offset === 0 && req.length === req.info.sizeBytes;
        if (res.statusCode !== 206 && !whole) {
          res.body.resume();
          if (res.statusCode === 200) throw new OriginFailure('failed', `GET ${req.key}: the origin ignored Range (HTTP 200)`);
          throw statusFailure(res.statusCode, `GET ${req.key} ${range}`);
        }
        try {
          return { value: await rangedBody(res.body, req.length, { target: req.target, sender: 'the origin' }), bytes: req.length };
        } catch (err) {
          res.body.destroy();
          throw networkFailure(err);
        }
      }),
    download: (key, info, file) =>
      withRetries(stats, DEFAULT_RETRY, async () => {
        const res = await send(urlOf(key), { method: 'GET', headers: versionHeaders(info) });
        if (res.statusCode !== 200) {
          res.body.resume();
          throw statusFailure(res.statusCode, `GET ${key}`);
        }
        let bytes = 0;
        res.body.on('data', (chunk: Buffer) => (bytes += chunk.length));
        await pipeline(res.body, createWriteStream(file)).catch((err: unknown) => {
          throw networkFailure(err);
        });
        if (bytes !== info.sizeBytes) throw new OriginFailure('failed', `GET ${key}: ${bytes} of ${info.sizeBytes} bytes`, true);
        return { value: undefined, bytes };
      }),
    async probe() {
      // Any answer from the server proves it is reachable; only a failure to connect or a 5xx is a problem.
      await withRetries(stats, DEFAULT_RETRY, async () => {
        const res = await send(baseUrl, { method: 'HEAD' });
        res.body.resume();
        if (res.statusCode >= 500) throw statusFailure(res.statusCode, `HEAD ${baseUrl}`);
        return { value: undefined, bytes: 0 };
      });
      return `HTTP origin ${baseUrl}`;
    },
    close: () => agent.close(),
  };
}
