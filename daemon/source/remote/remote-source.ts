// A Source over an Origin (HTTP or S3): identity from HEAD, ranged reads pinned to the version, headers kept on disk.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../errors.js';
import type { SourceFile } from '../resolve.js';
import type { OpenSource, Source, SourceReader } from '../source.js';
import { MoovCachePieces, moovCacheFile, type CachedVersion } from './moov-cache.js';
import { OriginFailure, toCasterpakError, type ObjectInfo, type Origin } from './origin.js';
import type { OriginStats } from './origin-stats.js';

export interface RemoteSourceOptions {
  readonly origin: Origin;
  readonly stats: OriginStats;
  /** Where the moov cache lives (under state_dir). */
  readonly moovCacheDir: string;
  /** An object's HEAD answer is reused for this long (a player's burst of misses costs one HEAD). */
  readonly identityTtlMs?: number;
}

/** The version an object's reads are pinned to: its ETag, else its Last-Modified, else nothing (size alone). */
export function versionOf(info: ObjectInfo): string {
  return info.etag ?? (info.lastModifiedMs !== undefined ? `last-modified:${info.lastModifiedMs}` : '');
}

/**
 * A remote object's identity as SourceFile keeps it: the address, the size, and in `mtimeMs` a stamp
 * derived from the version (48 bits of its SHA-256, an integer SQLite and every cache key take as they
 * take a local mtime). A changed ETag or size is a new package, as a replaced local file is.
 */
export function remoteIdentity(address: string, sourceRel: string, info: ObjectInfo): SourceFile {
  const version = versionOf(info);
  const stamp = version === '' ? 0 : Number.parseInt(createHash('sha256').update(version).digest('hex').slice(0, 12), 16);
  return { absPath: address, relPath: sourceRel, sizeBytes: info.sizeBytes, mtimeMs: stamp };
}

/** A source path must not climb out of the prefix, whatever the origin makes of `..`. */
function checkKey(sourceRel: string): void {
  if (sourceRel.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new CasterpakError('NOT_FOUND', 'no such source', { sourceRel, reason: 'not a plain path below media_root' });
  }
}

export function remoteSource(options: RemoteSourceOptions): Source {
  const { origin, stats } = options;
  const ttlMs = options.identityTtlMs ?? 1000;
  const recent = new Map<string, { atMs: number; info: Promise<ObjectInfo> }>();

  const info = (sourceRel: string): Promise<ObjectInfo> => {
    checkKey(sourceRel);
    const now = Date.now();
    const hit = recent.get(sourceRel);
    if (hit && now - hit.atMs < ttlMs) return hit.info;
    for (const [key, entry] of recent) if (now - entry.atMs >= ttlMs) recent.delete(key);
    const asked = origin.head(sourceRel).catch((err: unknown) => {
      recent.delete(sourceRel);
      throw toCasterpakError(err, origin.addressOf(sourceRel));
    });
    recent.set(sourceRel, { atMs: now, info: asked });
    return asked;
  };

  return {
    kind: origin.kind,
    root: origin.root,
    stats,
    resolve: async (sourceRel) => remoteIdentity(origin.addressOf(sourceRel), sourceRel, await info(sourceRel)),
    open: async (sourceRel) => openRemote(options, sourceRel, await info(sourceRel)),
    async probe() {
      try {
        return await origin.probe();
      } catch (err) {
        throw new Error(err instanceof OriginFailure ? err.message : String(err));
      }
    },
    close: () => origin.close(),
  };
}

/** The least a header read fetches from the origin (see moovCachedReader). */
const MIN_HEADER_FETCH_BYTES = 1024;

/** Header reads answered from the moov cache file when it holds them, fetched (and added to it) otherwise. */
function moovCachedReader(o: { reader: SourceReader; stats: OriginStats; file: string; version: CachedVersion }): { reader: SourceReader; save(): Promise<void> } {
  let pieces: Promise<MoovCachePieces> | undefined;
  const reader: SourceReader = {
    sizeBytes: o.reader.sizeBytes,
    async read(offset, length, target) {
      const cache = await (pieces ??= MoovCachePieces.load(o.file, o.version));
      const kept = cache.find(offset, length);
      if (kept) {
        o.stats.moovCache.hits += 1;
        if (!target) return kept;
        target.set(kept);
        return target;
      }
      o.stats.moovCache.misses += 1;
      // A short read (a box header, a sync sample's first NAL units) fetches a little more: the planner's
      // next look at the same sample, past an SEI, then costs no second request.
      const fetchBytes = Math.min(Math.max(length, MIN_HEADER_FETCH_BYTES), o.reader.sizeBytes - offset);
      const bytes = await o.reader.read(offset, fetchBytes, fetchBytes === length ? target : undefined);
      cache.add(offset, bytes);
      if (fetchBytes === length) return bytes;
      const wanted = bytes.subarray(0, length);
      if (!target) return wanted;
      target.set(wanted);
      return target;
    },
  };
  return { reader, save: async () => (pieces ? (await pieces).save() : undefined) };
}

function openRemote(options: RemoteSourceOptions, sourceRel: string, info: ObjectInfo): OpenSource {
  const { origin, stats } = options;
  const address = origin.addressOf(sourceRel);
  const identity = remoteIdentity(address, sourceRel, info);
  const fetch = (offset: number, length: number, target?: Uint8Array) =>
    origin.getRange({ key: sourceRel, info, offset, length, target }).catch((err: unknown) => {
      throw toCasterpakError(err, address);
    });
  const reader: SourceReader = { sizeBytes: info.sizeBytes, read: fetch };
  const header = moovCachedReader({ reader, stats, file: moovCacheFile(options.moovCacheDir, address), version: { version: versionOf(info), sizeBytes: info.sizeBytes } });
  const headerReader = header.reader;
  // ffmpeg and mp42hls read a file: the object is fetched whole first, into a folder of the run's own.
  let downloadDir: string | undefined;
  let downloaded: fs.FileHandle | undefined;
  return {
    ...identity,
    reader,
    headerReader,
    async wholeFileFd(tmpDir) {
      downloadDir ??= await fs.mkdtemp(path.join(tmpDir, 'source-'));
      const file = path.join(downloadDir, path.basename(sourceRel));
      await origin.download(sourceRel, info, file).catch((err: unknown) => {
        throw toCasterpakError(err, address);
      });
      downloaded = await fs.open(file, 'r');
      return downloaded.fd;
    },
    async close() {
      await downloaded?.close().catch(() => undefined);
      if (downloadDir) await fs.rm(downloadDir, { recursive: true, force: true });
      // What the parse read is kept for the next run and the next start; a failed write only costs a refetch.
      await header.save().catch(() => undefined);
    },
  };
}
