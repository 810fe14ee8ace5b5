import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceFile } from '../../daemon/source/resolve.js';
import { Store } from '../../daemon/store/store.js';

const source = (relPath: string, sizeBytes: number, mtimeMs = 1000): SourceFile => ({ absPath: `/media/${relPath}`, relPath, sizeBytes, mtimeMs });
const SET = 'i/clip_,360,720,p.mp4.csmil/master.m3u8';

describe('master playlists in the state database', () => {
  let dir: string;
  let store: Store;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-store-'));
    store = Store.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function recordSet() {
    store.ensurePackage(source('clip_360p.mp4', 100), 'builtin', 'segment', 3);
    store.recordMaster({ path: SET, packageId: null, kind: 'master', bytes: 4096 }, [
      { sourcePath: 'clip_360p.mp4', sizeBytes: 100, mtimeMs: 1000 },
      { sourcePath: 'clip_720p.mp4', sizeBytes: null, mtimeMs: null },
    ]);
  }

  it('records a master with the sources it was built from, missing ones included', () => {
    recordSet();
    expect(store.fileByPath(SET)).toMatchObject({ kind: 'master', package_id: null, bytes: 4096 });
    expect(store.membersOfMaster(SET)).toEqual([
      { sourcePath: 'clip_360p.mp4', sizeBytes: 100, mtimeMs: 1000 },
      { sourcePath: 'clip_720p.mp4', sizeBytes: null, mtimeMs: null },
    ]);
  });

  it('keeps the master while its members keep their packages', () => {
    recordSet();
    expect(store.ensurePackage(source('clip_360p.mp4', 100), 'builtin', 'segment', 3).staleFiles).toEqual([]);
    expect(store.fileByPath(SET)).toBeDefined();
  });

  it('drops the master when a member is replaced', () => {
    recordSet();
    expect(store.ensurePackage(source('clip_360p.mp4', 200), 'builtin', 'segment', 3).staleFiles).toContain(SET);
    expect(store.fileByPath(SET)).toBeUndefined();
    expect(store.membersOfMaster(SET)).toEqual([]);
  });

  it('drops the master when a member that was missing gets its first package', () => {
    recordSet();
    expect(store.ensurePackage(source('clip_720p.mp4', 300), 'builtin', 'segment', 3).staleFiles).toEqual([SET]);
    expect(store.fileByPath(SET)).toBeUndefined();
  });

  it('replaces the member list when the master is written again', () => {
    recordSet();
    store.recordMaster({ path: SET, packageId: null, kind: 'master', bytes: 4096 }, [{ sourcePath: 'clip_360p.mp4', sizeBytes: 100, mtimeMs: 1000 }]);
    expect(store.membersOfMaster(SET)).toHaveLength(1);
  });

  it('goes with its package when the master of a single rendition belongs to one', () => {
    const { pkg } = store.ensurePackage(source('solo.mp4', 10), 'builtin', 'segment', 1);
    store.recordMaster({ path: 'i/solo.mp4/master.m3u8', packageId: pkg.id, kind: 'master', bytes: 512 }, [{ sourcePath: 'solo.mp4', sizeBytes: 10, mtimeMs: 1000 }]);
    store.deletePackage(pkg.id);
    expect(store.fileByPath('i/solo.mp4/master.m3u8')).toBeUndefined();
    expect(store.membersOfMaster('i/solo.mp4/master.m3u8')).toEqual([]);
  });
});
