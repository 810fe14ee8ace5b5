import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SourceFile } from '../../daemon/source/resolve.js';
import { MIGRATIONS } from '../../daemon/store/migrations.js';
import { DB_FILE_NAME, Store } from '../../daemon/store/store.js';

function source(relPath: string, sizeBytes = 1000, mtimeMs = 1_700_000_000_000): SourceFile {
  return { absPath: `/media/${relPath}`, relPath, sizeBytes, mtimeMs };
}

function tempState(): string {
  return mkdtempSync(path.join(tmpdir(), 'casterpak-ids-'));
}

describe('package ids', () => {
  it('are never given again after a delete, not even to the very next package', () => {
    const store = Store.open(tempState());
    const a = store.ensurePackage(source('a.mp4'), 'builtin', 'segment', 3).pkg;
    const b = store.ensurePackage(source('b.mp4'), 'builtin', 'segment', 3).pkg;
    store.deletePackage(b.id);
    const c = store.ensurePackage(source('c.mp4'), 'builtin', 'segment', 3).pkg;
    expect(c.id).toBeGreaterThan(b.id);
    // A replaced source: its old row goes, and the new one never takes an id seen before.
    const a2 = store.ensurePackage(source('a.mp4', 2000), 'builtin', 'segment', 4).pkg;
    expect(a2.id).toBeGreaterThan(c.id);
    expect(new Set([a.id, b.id, c.id, a2.id]).size).toBe(4);
    store.close();
  });

  it('keep counting from the largest id of a database made before the high-water mark existed', () => {
    const stateDir = tempState();
    const db = new Database(path.join(stateDir, DB_FILE_NAME));
    for (const step of MIGRATIONS.slice(0, 4)) db.exec(step);
    db.pragma('user_version = 4');
    const insert = db.prepare(`INSERT INTO packages (id, source_path, source_size, source_mtime_ms, packager, granularity, created_ms) VALUES (?, ?, 1, 1, 'builtin', 'segment', 1)`);
    insert.run(5, 'x.mp4');
    insert.run(9, 'y.mp4');
    db.close();
    const store = Store.open(stateDir);
    expect(store.ensurePackage(source('z.mp4'), 'builtin', 'segment', 1).pkg.id).toBe(10);
    store.deletePackage(10);
    store.deletePackage(9);
    expect(store.ensurePackage(source('w.mp4'), 'builtin', 'segment', 1).pkg.id).toBe(11);
    store.close();
  });

  it('let a run publish only while its package is still the current one', () => {
    const store = Store.open(tempState());
    const old = store.ensurePackage(source('clip.mp4'), 'builtin', 'segment', 3).pkg;
    expect(store.publishIfCurrent([old], () => store.recordFiles([{ path: 'i/clip.mp4/segment1_0_av.ts', packageId: old.id, kind: 'segment', bytes: 4096 }]))).toBe(true);
    const replaced = store.ensurePackage(source('clip.mp4', 2000), 'builtin', 'segment', 4);
    expect(replaced.staleFiles).toEqual(['i/clip.mp4/segment1_0_av.ts']);
    let ran = false;
    expect(store.publishIfCurrent([old], () => (ran = true))).toBe(false);
    expect(ran).toBe(false);
    expect(store.fileByPath('i/clip.mp4/segment1_0_av.ts')).toBeUndefined();
    store.close();
  });
});
