// The pure pieces of remote sources: version headers, s3:// URLs, identity stamps, and the moov cache file.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { versionHeaders } from '../../daemon/source/remote/http-origin.js';
import { MoovCachePieces, moovCacheFile } from '../../daemon/source/remote/moov-cache.js';
import { remoteIdentity } from '../../daemon/source/remote/remote-source.js';
import { parseS3Url } from '../../daemon/source/remote/origin.js';

describe('version headers of a ranged read', () => {
  it('pin a strong ETag with If-Match, and fall back to Last-Modified for a weak one or none', () => {
    const lastModifiedMs = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(versionHeaders({ sizeBytes: 1, etag: '"abc"', lastModifiedMs })).toEqual({ 'if-match': '"abc"' });
    expect(versionHeaders({ sizeBytes: 1, etag: 'W/"abc"', lastModifiedMs })).toEqual({ 'if-unmodified-since': 'Fri, 02 Jan 2026 03:04:05 GMT' });
    expect(versionHeaders({ sizeBytes: 1 })).toEqual({});
  });
});

describe('s3:// media roots', () => {
  it('split into bucket and a prefix that ends in a slash', () => {
    expect(parseS3Url('s3://media/renditions/')).toEqual({ bucket: 'media', prefix: 'renditions/' });
    expect(parseS3Url('s3://media/a/b')).toEqual({ bucket: 'media', prefix: 'a/b/' });
    expect(parseS3Url('s3://media')).toEqual({ bucket: 'media', prefix: '' });
    expect(parseS3Url('s3://Media/')).toBeUndefined();
    expect(parseS3Url('http://media/')).toBeUndefined();
  });
});

describe('a remote identity', () => {
  it('changes with the ETag or the size and stays with them, as a local file with its mtime', () => {
    const of = (etag: string, sizeBytes = 100) => remoteIdentity('http://o/m/a.mp4', 'a.mp4', { sizeBytes, etag });
    expect(of('"1"').mtimeMs).toBe(of('"1"').mtimeMs);
    expect(of('"1"').mtimeMs).not.toBe(of('"2"').mtimeMs);
    expect(of('"1"', 101).sizeBytes).toBe(101);
    expect(Number.isSafeInteger(of('"1"').mtimeMs)).toBe(true);
    expect(remoteIdentity('u', 'a.mp4', { sizeBytes: 1, lastModifiedMs: 5 }).mtimeMs).not.toBe(remoteIdentity('u', 'a.mp4', { sizeBytes: 1, lastModifiedMs: 6 }).mtimeMs);
  });
});

describe('the moov cache file', () => {
  it('keeps the pieces read of one version, and ignores them for another version or size', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-moov-cache-'));
    try {
      const file = moovCacheFile(dir, 'http://o/m/a.mp4');
      const version = { version: '"v1"', sizeBytes: 1000 };
      const cache = await MoovCachePieces.load(file, version);
      expect(cache.isEmpty).toBe(true);
      cache.add(0, Uint8Array.from([1, 2, 3, 4]));
      cache.add(900, Uint8Array.from([9, 8, 7]));
      await cache.save();
      const again = await MoovCachePieces.load(file, version);
      expect(again.find(1, 2)).toEqual(Uint8Array.from([2, 3]));
      expect(again.find(900, 3)).toEqual(Uint8Array.from([9, 8, 7]));
      expect(again.find(3, 2)).toBeUndefined();
      expect((await MoovCachePieces.load(file, { version: '"v2"', sizeBytes: 1000 })).isEmpty).toBe(true);
      expect((await MoovCachePieces.load(file, { version: '"v1"', sizeBytes: 1001 })).isEmpty).toBe(true);
      await fs.writeFile(file, 'casterpak-moov-cache 1\n{not json');
      expect((await MoovCachePieces.load(file, version)).isEmpty).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
