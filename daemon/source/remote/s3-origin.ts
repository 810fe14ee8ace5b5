// media_root in an S3 bucket (AWS or an S3-compatible store): the official client, credentials from the SDK's default chain.

import { createWriteStream } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { OriginFailure, networkFailure, rangedBody, s3Root, type ObjectInfo, type Origin, type RangeRequest, type S3Location } from './origin.js';
import type { OriginStats } from './origin-stats.js';
import { DEFAULT_RETRY, statusFailure, withRetries } from './retry.js';

export interface S3OriginOptions extends S3Location {
  /** Config `s3_endpoint`: empty for AWS itself. */
  readonly endpoint: string;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly timeoutMs: number;
  readonly stats: OriginStats;
}

/** The SDK's error → an OriginFailure: by HTTP status when the store answered, as a network failure when it did not. */
function s3Failure(err: unknown, what: string): OriginFailure {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status !== undefined && status > 0) {
    const failure = statusFailure(status, what);
    const name = (err as Error).name;
    return name && !failure.message.includes(name) ? new OriginFailure(failure.kind, `${failure.message} (${name})`, failure.retryable) : failure;
  }
  return networkFailure(err);
}

function versionOf(info: ObjectInfo): { IfMatch?: string; IfUnmodifiedSince?: Date } {
  if (info.etag) return { IfMatch: info.etag };
  return info.lastModifiedMs !== undefined ? { IfUnmodifiedSince: new Date(info.lastModifiedMs) } : {};
}

export function s3Origin(options: S3OriginOptions): Origin {
  const { bucket, prefix, stats, timeoutMs } = options;
  const agentOptions = { keepAlive: true, maxSockets: 32 };
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle,
    // Retries are ours (the same bounded policy as HTTP origins, counted in the metrics).
    maxAttempts: 1,
    // Only reads are made; checksums where an operation requires them, which S3-compatible stores all handle.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // throwOnRequestTimeout: without it the SDK only warns when requestTimeout passes, and waits on.
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true, httpAgent: new HttpAgent(agentOptions), httpsAgent: new HttpsAgent(agentOptions) },
  });
  const keyOf = (sourceRel: string) => prefix + sourceRel;
  const root = s3Root(options);
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw s3Failure(err, what);
    }
  };

  return {
    kind: 's3',
    root,
    addressOf: (sourceRel) => root + sourceRel,
    head: (sourceRel) =>
      withRetries(stats, DEFAULT_RETRY, async () => {
        const out = await call(`HEAD ${keyOf(sourceRel)}`, () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(sourceRel) })));
        if (out.ContentLength === undefined) throw new OriginFailure('failed', `HEAD ${keyOf(sourceRel)}: no Content-Length`);
        const info: ObjectInfo = { sizeBytes: out.ContentLength, ...(out.ETag ? { etag: out.ETag } : {}), ...(out.LastModified ? { lastModifiedMs: out.LastModified.getTime() } : {}) };
        return { value: info, bytes: 0 };
      }),
    getRange: (req: RangeRequest) =>
      withRetries(stats, DEFAULT_RETRY, async () => {
        const range = `bytes=${req.offset}-${req.offset + req.length - 1}`;
        const what = `GET ${keyOf(req.key)} ${range}`;
        const out = await call(what, () => client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(req.key), Range: range, ...versionOf(req.info) })));
        const bytes = await call(what, () => rangedBody(out.Body as Readable, req.length, { target: req.target, sender: 'the store' }));
        return { value: bytes, bytes: req.length };
      }),
    download: (sourceRel, info, file) =>
      withRetries(stats, DEFAULT_RETRY, async () => {
        const what = `GET ${keyOf(sourceRel)}`;
        const out = await call(what, () => client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(sourceRel), ...versionOf(info) })));
        await call(what, () => pipeline(out.Body as Readable, createWriteStream(file)));
        return { value: undefined, bytes: info.sizeBytes };
      }),
    async probe() {
      await withRetries(stats, DEFAULT_RETRY, async () => {
        await call(`LIST s3://${bucket}/${prefix}`, () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 })));
        return { value: undefined, bytes: 0 };
      });
      return `S3 ${root}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    },
    close: async () => client.destroy(),
  };
}
