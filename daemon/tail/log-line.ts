// One line of the `casterpak` nginx log format (escape=json) → the cache file it touched, or why not (pure).

import { cachePathOfRequestUri } from '../layout/cache-paths.js';

/** What the tailer needs from the config to read a line. */
export interface LineContext {
  /** `url_prefix`, e.g. `/i/`: only requests under it can name a cache file. */
  readonly urlPrefix: string;
  /** `internal_prefix`: `$uri` starts with it when the daemon answered with X-Accel-Redirect (a miss). */
  readonly internalPrefix: string;
}

export type LineResult =
  /** A 2xx request for a cache file; `hit` is false when the daemon packaged it (X-Accel-Redirect). */
  | { readonly kind: 'access'; readonly cachePath: string; readonly accessMs: number; readonly hit: boolean }
  /** A well-formed line that is not a successful request for a cache file (other status, other prefix, an answer the daemon wrote itself). */
  | { readonly kind: 'ignored' }
  | { readonly kind: 'bad'; readonly reason: string };

const IGNORED: LineResult = { kind: 'ignored' };

/**
 * The fields written by `log_format casterpak escape=json` (nginx/casterpak-http.conf). nginx writes every
 * variable as a JSON string; numbers are accepted too so hand-written logs parse the same way.
 */
interface LogRecord {
  msec?: unknown;
  status?: unknown;
  request_uri?: unknown;
  uri?: unknown;
  upstream_addr?: unknown;
}

function bad(reason: string): LineResult {
  return { kind: 'bad', reason };
}

/** `$msec` is seconds with millisecond resolution, e.g. `1700000000.123`. */
function accessMsOf(msec: unknown): number | undefined {
  const sec = typeof msec === 'number' ? msec : typeof msec === 'string' && msec !== '' ? Number(msec) : NaN;
  return Number.isFinite(sec) && sec > 0 ? Math.round(sec * 1000) : undefined;
}

/** 2xx only: 206 answers a Range request for part of a cached file, which is an access too. */
function isSuccess(status: unknown): boolean | undefined {
  const code = typeof status === 'number' ? status : typeof status === 'string' ? Number(status) : NaN;
  if (!Number.isInteger(code) || code < 100 || code > 999) return undefined;
  return code >= 200 && code < 300;
}

/** The `$msec` of a line in milliseconds, or undefined when the line is not a valid record. */
export function lineAccessMs(line: string): number | undefined {
  const record = readRecord(line);
  return record ? accessMsOf(record.msec) : undefined;
}

/** The string value after `key` (written `"name":"`) in a line whose only quotes are JSON syntax. */
function plainField(line: string, key: string): string | undefined {
  const at = line.indexOf(key);
  if (at === -1) return undefined;
  const start = at + key.length;
  const end = line.indexOf('"', start);
  return end === -1 ? undefined : line.slice(start, end);
}

/**
 * The record of a line. nginx's escape=json puts a backslash before every quote inside a value, so in a
 * line with no backslash every quote is JSON syntax and a key can be found by its text: this reads the
 * fields without building an object (most lines); anything else goes through JSON.parse.
 */
function readRecord(line: string): LogRecord | undefined {
  if (line.charCodeAt(0) === 0x7b && line.charCodeAt(line.length - 1) === 0x7d && line.indexOf('\\') === -1) {
    const msec = plainField(line, '"msec":"');
    const status = plainField(line, '"status":"');
    const requestUri = plainField(line, '"request_uri":"');
    if (msec !== undefined && status !== undefined && requestUri !== undefined) {
      return { msec, status, request_uri: requestUri, uri: plainField(line, '"uri":"'), upstream_addr: plainField(line, '"upstream_addr":"') };
    }
  }
  try {
    const record = JSON.parse(line) as LogRecord | null;
    return record !== null && typeof record === 'object' && !Array.isArray(record) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Request URI → cache path, remembered: a busy log names the same few files over and over. */
export class CachePathMemo {
  private readonly paths = new Map<string, string | null>();

  constructor(
    private readonly urlPrefix: string,
    private readonly maxEntries = 20_000,
  ) {}

  get(requestUri: string): string | undefined {
    let cachePath = this.paths.get(requestUri);
    if (cachePath === undefined) {
      if (this.paths.size >= this.maxEntries) this.paths.clear();
      cachePath = cachePathOfRequestUri(requestUri, this.urlPrefix) ?? null;
      this.paths.set(requestUri, cachePath);
    }
    return cachePath ?? undefined;
  }
}

/** Parses one log line (without its newline). Never throws: a line nginx did not write is `bad`. */
export function parseLogLine(line: string, context: LineContext, memo?: CachePathMemo): LineResult {
  const record = readRecord(line);
  if (record === undefined) return bad('not a JSON object');
  const success = isSuccess(record.status);
  if (success === undefined) return bad('no valid status');
  const accessMs = accessMsOf(record.msec);
  if (accessMs === undefined) return bad('no valid msec');
  if (typeof record.request_uri !== 'string') return bad('no request_uri');
  if (!success) return IGNORED;
  const cachePath = memo ? memo.get(record.request_uri) : cachePathOfRequestUri(record.request_uri, context.urlPrefix);
  if (cachePath === undefined) return IGNORED;
  const redirected = typeof record.uri === 'string' && record.uri.startsWith(context.internalPrefix);
  // The daemon answered with a body of its own, no file sent (a `?b=` filtered master): no cache file was used.
  if (!redirected && typeof record.upstream_addr === 'string' && record.upstream_addr !== '') return IGNORED;
  const hit = !redirected;
  return { kind: 'access', cachePath, accessMs, hit };
}
