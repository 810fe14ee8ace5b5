// One line of the `casterpak` nginx log format (escape=json) → the cache file it touched, or why not (pure).

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
  /** A well-formed line that is not a successful request for a cache file (other status, other prefix). */
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

/**
 * `$request_uri` (what the player asked for, with its query) → the cache path relative to cache_dir, or
 * undefined when it cannot name a cache file. Decoded once, as nginx does before `try_files`; repeated
 * slashes merged (nginx `merge_slashes on`); dot segments and NUL refused, as the daemon refuses them.
 */
export function cachePathOfRequestUri(requestUri: string, urlPrefix: string): string | undefined {
  const queryAt = requestUri.indexOf('?');
  const raw = queryAt === -1 ? requestUri : requestUri.slice(0, queryAt);
  let decoded: string;
  try {
    decoded = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined;
  }
  if (decoded.includes('//')) decoded = decoded.replace(/\/{2,}/g, '/');
  if (!decoded.startsWith(urlPrefix) || decoded.length === urlPrefix.length) return undefined;
  if (decoded.includes('\0') || decoded.endsWith('/')) return undefined;
  const segments = decoded.split('/');
  if (segments.includes('.') || segments.includes('..')) return undefined;
  return decoded.slice(1);
}

/** The `$msec` of a line in milliseconds, or undefined when the line is not a valid record. */
export function lineAccessMs(line: string): number | undefined {
  try {
    const record = JSON.parse(line) as LogRecord | null;
    return record !== null && typeof record === 'object' ? accessMsOf(record.msec) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses one log line (without its newline). Never throws: a line nginx did not write is `bad`. */
export function parseLogLine(line: string, context: LineContext): LineResult {
  let record: LogRecord;
  try {
    record = JSON.parse(line) as LogRecord;
  } catch {
    return bad('not JSON');
  }
  if (record === null || typeof record !== 'object') return bad('not a JSON object');
  const success = isSuccess(record.status);
  if (success === undefined) return bad('no valid status');
  const accessMs = accessMsOf(record.msec);
  if (accessMs === undefined) return bad('no valid msec');
  if (typeof record.request_uri !== 'string') return bad('no request_uri');
  if (!success) return IGNORED;
  const cachePath = cachePathOfRequestUri(record.request_uri, context.urlPrefix);
  if (cachePath === undefined) return IGNORED;
  const hit = !(typeof record.uri === 'string' && record.uri.startsWith(context.internalPrefix));
  return { kind: 'access', cachePath, accessMs, hit };
}
