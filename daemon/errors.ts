// The one error type of CasterPak: a stable code, the HTTP status it maps to, and the values that were wrong.

/** Stable error codes. Tests and logs rely on these strings; add, never rename. */
export type ErrorCode =
  // request and source
  | 'BAD_PATH' // 400: the request path is malformed or tries to escape the media root
  | 'BAD_QUERY' // 400: a query parameter CasterPak reads (such as b=) is malformed
  | 'NOT_FOUND' // 404: no such route, source or segment
  | 'CONFIG_INVALID'
  // MP4 input (422: the source exists but cannot be packaged)
  | 'MP4_NO_MOOV'
  | 'MP4_TRUNCATED'
  | 'MP4_BAD_BOX'
  | 'MP4_OVERFLOW'
  | 'MP4_TABLE_MISMATCH'
  | 'MP4_FRAGMENTED'
  | 'MP4_NO_TRACKS'
  | 'MP4_UNSUPPORTED_CODEC'
  | 'MP4_BAD_CODEC_CONFIG'
  | 'MP4_EMPTY'
  | 'MP4_BAD_SAMPLE' // a sample's bytes do not parse (a NAL unit length past its end, an oversized audio frame)
  | 'SUBTITLE_INVALID' // a subtitle side file is not UTF-8 or has a broken cue: logged, and that track is left out
  | 'MP4_LIMIT' // the source would take more work than the [limits] config allows (the message names the key)
  // packaging
  | 'PACKAGER_FAILED' // 502
  | 'PACKAGER_TIMEOUT' // 504
  | 'PACKAGER_UNAVAILABLE' // 503
  | 'BUSY' // 503: waited too long for another generation of the same file, or the packaging queue is full
  | 'PACKAGING_LIMIT' // 422: the request would package more than a configured bound allows at once
  // 503: parsing the source's moov needs more memory than parse_memory_limit gives a parse worker.
  // The server's own bound refused it (not the file's fault by the MP4 spec, not a bug): raising the
  // limit makes the same request succeed, and 503 is neither cached by CDNs nor taken for a crash.
  | 'PARSE_RESOURCES'
  // the cache itself
  | 'CACHE_SYMLINK' // 500: a folder under cache_dir is a symbolic link (or not a folder); never followed
  // operations
  | 'DB_BUSY' // 503: another process (prune, a command) held SQLite's write lock for longer than sqlite_lock_wait
  | 'HOST_NOT_ALLOWED' // 421: an operator endpoint was asked for under a Host name the daemon does not answer to
  // remote sources (media_root on an HTTP origin or in S3)
  | 'ORIGIN_FAILED' // 502: the origin refused, reset or answered an error after the retries
  | 'ORIGIN_TIMEOUT'; // 504: the origin did not answer within origin_timeout

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_PATH: 400,
  BAD_QUERY: 400,
  NOT_FOUND: 404,
  CONFIG_INVALID: 500,
  MP4_NO_MOOV: 422,
  MP4_TRUNCATED: 422,
  MP4_BAD_BOX: 422,
  MP4_OVERFLOW: 422,
  MP4_TABLE_MISMATCH: 422,
  MP4_FRAGMENTED: 422,
  MP4_NO_TRACKS: 422,
  MP4_UNSUPPORTED_CODEC: 422,
  MP4_BAD_CODEC_CONFIG: 422,
  MP4_EMPTY: 422,
  MP4_BAD_SAMPLE: 422,
  MP4_LIMIT: 422,
  SUBTITLE_INVALID: 422,
  PACKAGER_FAILED: 502,
  PACKAGER_TIMEOUT: 504,
  PACKAGER_UNAVAILABLE: 503,
  BUSY: 503,
  PACKAGING_LIMIT: 422,
  PARSE_RESOURCES: 503,
  CACHE_SYMLINK: 500,
  DB_BUSY: 503,
  HOST_NOT_ALLOWED: 421,
  ORIGIN_FAILED: 502,
  ORIGIN_TIMEOUT: 504,
};

export class CasterpakError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The values that were wrong, for the log line (never sent to clients). */
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CasterpakError';
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.details = details;
  }
}

export function isCasterpakError(err: unknown): err is CasterpakError {
  return err instanceof CasterpakError;
}

/** Shorthand for the 422 family: the source exists but is not a usable MP4. */
export function mp4Error(code: ErrorCode & `MP4_${string}`, message: string, details: Record<string, unknown> = {}): CasterpakError {
  return new CasterpakError(code, message, details);
}
