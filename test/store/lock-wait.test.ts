// The daemon's writes wait for another connection's write lock on a timer: the event loop keeps turning, and the wait is bounded.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, Store } from '../../daemon/store/store.js';
import { failureOf } from '../helpers/expect-code.js';
import { waitFor } from '../helpers/processes.js';

const FILE = { path: 'i/clip.mp4/segment1_0_av.ts', packageId: null, kind: 'segment' as const, bytes: 4096 };

describe('writes while another connection holds the write lock', () => {
  let dir: string;
  let store: Store;
  let other: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-lock-'));
    store = Store.open(dir, { busyTimeoutMs: 20, lockWaitMs: 20_000 });
    // Another writer, as `casterpakd prune` would be: its own connection, holding the lock.
    other = new Database(path.join(dir, DB_FILE_NAME));
  });
  afterEach(() => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a package that stands without waiting for the lock, and waits for it to replace one', async () => {
    const src = { absPath: '/media/clip.mp4', relPath: 'clip.mp4', sizeBytes: 1000, mtimeMs: 5 };
    const made = store.ensurePackage(src, 'builtin', 'segment', 3);
    other.exec('BEGIN IMMEDIATE');
    expect(store.ensurePackage(src, 'builtin', 'segment', 3)).toEqual({ pkg: made.pkg, staleFiles: [], created: false });
    expect(() => store.ensurePackage({ ...src, sizeBytes: 2000 }, 'builtin', 'segment', 3)).toThrow(/locked|busy/i);
    other.exec('COMMIT');
    expect(store.ensurePackage({ ...src, sizeBytes: 2000 }, 'builtin', 'segment', 3)).toMatchObject({ created: true, pkg: { source_size: 2000 } });
  });

  it('lets timers run while it waits, and commits once the lock is released', async () => {
    other.exec('BEGIN IMMEDIATE');
    let settled = false;
    const writing = store.retryWhileLocked(() => store.recordFiles([FILE])).finally(() => (settled = true));
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    await waitFor('timers to fire during the wait', () => (ticks >= 5 ? true : undefined), 20_000);
    clearInterval(ticker);
    expect(settled).toBe(false);
    expect(store.fileByPath(FILE.path)).toBeUndefined();
    other.exec('COMMIT');
    await writing;
    expect(store.fileByPath(FILE.path)?.bytes).toBe(4096);
  });

  it('gives up with DB_BUSY after lockWaitMs, having written nothing', async () => {
    const impatient = Store.open(dir, { busyTimeoutMs: 20, lockWaitMs: 300 });
    try {
      other.exec('BEGIN IMMEDIATE');
      const err = await failureOf(impatient.retryWhileLocked(() => impatient.recordFiles([FILE])));
      expect(err.code).toBe('DB_BUSY');
      expect(err.status).toBe(503);
      expect(err.message).toMatch(/locked by another process/);
      other.exec('ROLLBACK');
      expect(impatient.fileByPath(FILE.path)).toBeUndefined();
    } finally {
      impatient.close();
    }
  });

  it('passes other errors through at once, without retrying', async () => {
    let attempts = 0;
    const err = await store
      .retryWhileLocked(() => {
        attempts += 1;
        throw new Error('not a lock problem');
      })
      .catch((e: Error) => e);
    expect((err as Error).message).toBe('not a lock problem');
    expect(attempts).toBe(1);
  });

  it('blocks at most its own busy timeout per attempt; commands keep the long one', () => {
    const command = Store.open(dir);
    try {
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(20);
      expect(command.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      command.close();
    }
  });
});
