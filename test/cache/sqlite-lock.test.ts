// The built daemon while another process holds SQLite's write lock (as `casterpakd prune` does): it keeps answering.

import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../daemon/store/store.js';
import { makeClip } from '../helpers/clip.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import type { HttpResponse } from '../helpers/http.js';
import { sleep } from '../helpers/processes.js';

let daemon: RunningDaemon;
let other: Database.Database;

beforeAll(async () => {
  daemon = await startDaemon({ mode: 'nginx', packager: 'builtin', extra: { sqlite_lock_wait: '3s' } });
  makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
  // The other writer: a connection of this test process, the daemon being another process.
  other = new Database(path.join(daemon.stateDir, DB_FILE_NAME));
}, 60_000);

afterAll(async () => {
  if (other?.inTransaction) other.exec('ROLLBACK');
  other?.close();
  await daemon?.dispose();
});

/** A request whose settling can be observed without awaiting it. */
function tracked(rawPath: string): { settled: () => boolean; response: Promise<HttpResponse> } {
  let done = false;
  const response = daemon.get(rawPath).finally(() => (done = true));
  return { settled: () => done, response };
}

describe('a daemon whose database another process has locked', () => {
  it('answers /healthz while a miss waits for the lock, and completes the miss once the lock is released', async () => {
    other.exec('BEGIN IMMEDIATE');
    const miss = tracked('/i/clip.mp4/index_0_av.m3u8');
    // Give the miss time to reach its first write and start waiting; then the daemon must still answer.
    await sleep(300);
    for (let i = 0; i < 5; i += 1) {
      const health = await daemon.get('/healthz');
      expect(health.status).toBe(200);
      expect(miss.settled(), 'the miss answered while the lock was still held').toBe(false);
      await sleep(100);
    }
    other.exec('COMMIT');
    const response = await miss.response;
    expect(response.status).toBe(200);
    expect(response.headers['x-accel-redirect']).toBe('/casterpak-internal/i/clip.mp4/index_0_av.m3u8');
    expect(existsSync(path.join(daemon.cacheDir, 'i/clip.mp4/index_0_av.m3u8'))).toBe(true);
  });

  it('answers 503 DB_BUSY when the lock outlasts sqlite_lock_wait, writes nothing, and packages on the next request', async () => {
    other.exec('BEGIN IMMEDIATE');
    let response: HttpResponse;
    try {
      response = await daemon.get('/i/clip.mp4/segment1_0_av.ts');
    } finally {
      other.exec('COMMIT');
    }
    expect(response.status).toBe(503);
    expect(response.text()).toMatch(/^DB_BUSY: the database stayed locked by another process/);
    expect(response.text()).not.toMatch(/\bat \S+\.js/);
    expect(existsSync(path.join(daemon.cacheDir, 'i/clip.mp4/segment1_0_av.ts'))).toBe(false);
    const again = await daemon.get('/i/clip.mp4/segment1_0_av.ts');
    expect(again.status).toBe(200);
    expect(existsSync(path.join(daemon.cacheDir, 'i/clip.mp4/segment1_0_av.ts'))).toBe(true);
  });
});
