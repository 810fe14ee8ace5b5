// What a remote store must answer (HTTP origin, S3): an object's version, ranged reads of that version, a whole download.

import { CasterpakError } from '../../errors.js';

/** An HTTP origin's URL of `key` (a source path under media_root): each path segment percent-encoded. */
export function httpObjectUrl(baseUrl: string, key: string): string {
  return baseUrl + key.split('/').map(encodeURIComponent).join('/');
}

/** Where a bucket and prefix live (media_root `s3://bucket/prefix/`). */
export interface S3Location {
  readonly bucket: string;
  /** Key prefix, empty or ending in `/`. */
  readonly prefix: string;
}

/** `s3://bucket/prefix/` → bucket and prefix (undefined when it is not such a URL). */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/.*)?$/.exec(url);
  if (!match) return undefined;
  const prefix = (match[2] ?? '/').replace(/^\/+/, '');
  return { bucket: match[1], prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** The root an S3 origin reports (`s3://bucket/prefix/`); an object's address is the root and its source path. */
export function s3Root(location: S3Location): string {
  return `s3://${location.bucket}/${location.prefix}`;
}

/** An object as the origin describes it without its body. */
export interface ObjectInfo {
  readonly sizeBytes: number;
  readonly etag?: string;
  readonly lastModifiedMs?: number;
}

/** One ranged read of one object version. */
export interface RangeRequest {
  readonly key: string;
  readonly info: ObjectInfo;
  readonly offset: number;
  readonly length: number;
  /** Exactly `length` bytes to fill instead of allocating. */
  readonly target?: Uint8Array;
}

export interface Origin {
  readonly kind: 'http' | 's3';
  /** media_root as configured. */
  readonly root: string;
  /** The object's full address (`https://…/a/b.mp4`, `s3://bucket/prefix/a/b.mp4`): the source's absPath. */
  addressOf(key: string): string;
  /** HEAD: throws an OriginFailure ('not-found' for 404). */
  head(key: string): Promise<ObjectInfo>;
  /** The range of exactly the version `info` describes ('changed' when the object is another one now). */
  getRange(request: RangeRequest): Promise<Uint8Array>;
  /** The whole object version into `file`. */
  download(key: string, info: ObjectInfo, file: string): Promise<void>;
  /** Lists or HEADs the root (casterpakd check): resolves to a description, throws an OriginFailure. */
  probe(): Promise<string>;
  close(): Promise<void>;
}

export type FailureKind = 'not-found' | 'changed' | 'timeout' | 'failed';

/** One failed origin request: what kind, whether another attempt may succeed, and a one-line reason. */
export class OriginFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    /** 5xx answers, resets and refused connections are worth another attempt; 4xx answers and timeouts are not. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'OriginFailure';
  }
}

/** The answer a failure gets: 404 for a missing object, 503 (try again) for one that changed, 504 for a timeout, 502 otherwise. */
export function toCasterpakError(err: unknown, address: string): CasterpakError {
  if (err instanceof CasterpakError) return err;
  const failure = err instanceof OriginFailure ? err : new OriginFailure('failed', err instanceof Error ? err.message : String(err));
  switch (failure.kind) {
    case 'not-found':
      return new CasterpakError('NOT_FOUND', 'no such source', { address, reason: failure.message });
    case 'changed':
      return new CasterpakError('BUSY', 'the source changed while it was being read; try again', { address, reason: failure.message });
    case 'timeout':
      return new CasterpakError('ORIGIN_TIMEOUT', `the origin did not answer in time: ${failure.message}`, { address });
    default:
      return new CasterpakError('ORIGIN_FAILED', `the origin failed: ${failure.message}`, { address });
  }
}

/** Node's network error codes that mean the connection, not the request, failed: another attempt may work. */
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'TimeoutError', 'RequestTimeout']);

/** A thrown network error → an OriginFailure (a timeout, or a failure worth retrying when the connection broke). */
export function networkFailure(err: unknown): OriginFailure {
  if (err instanceof OriginFailure) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? e.name ?? '';
  const message = `${code ? `${code}: ` : ''}${e.message ?? String(err)}`.split('\n')[0];
  if (TIMEOUT_CODES.has(code) || TIMEOUT_CODES.has(e.name ?? '')) return new OriginFailure('timeout', message);
  return new OriginFailure('failed', message, TRANSIENT_CODES.has(code) || /socket hang up|ECONNRESET|other side closed/i.test(message));
}

/**
 * A ranged answer's body into `target` (or a new buffer), refusing one longer or shorter than asked;
 * a short body may be tried again (the connection broke). `sender` names who answered in the message.
 */
export async function rangedBody(body: AsyncIterable<Uint8Array>, length: number, options: { target?: Uint8Array; sender: string }): Promise<Uint8Array> {
  const { target, sender } = options;
  const out = target && target.length === length ? target : new Uint8Array(length);
  let filled = 0;
  for await (const chunk of body) {
    if (filled + chunk.length > length) throw new OriginFailure('failed', `${sender} sent more than the ${length} bytes asked for`);
    out.set(chunk, filled);
    filled += chunk.length;
  }
  if (filled !== length) throw new OriginFailure('failed', `${sender} sent ${filled} of ${length} bytes`, true);
  return out;
}
