// The built daemon while another process holds SQLite's write lock (as `casterpakd prune` does): it keeps answering.

import { existsSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheFiller } from '../../daemon/cache/filler.js';
import { parseRequestPath } from '../../daemon/http/request-path.js';
import { silentLogger } from '../../daemon/log.js';
import { createPackager } from '../../daemon/packagers/index.js';
import type { SegmentPackager } from '../../daemon/packagers/packager.js';
import { DB_FILE_NAME, Store } from '../../daemon/store/store.js';
import { makeClip } from '../helpers/clip.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { failureOf } from '../helpers/expect-code.js';
import { inProcessDaemon } from '../helpers/in-process.js';
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

describe('a lock taken between publishing a segment and recording it', () => {
  it('answers DB_BUSY and takes the published file back, so no cache file is left without its row', async () => {
    const site = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
    makeClip(path.join(site.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    const store = Store.open(site.config.stateDir, { busyTimeoutMs: 20, lockWaitMs: 300 });
    const locker = new Database(path.join(site.config.stateDir, DB_FILE_NAME));
    const builtin = createPackager(site.config) as SegmentPackager;
    // The real builtin packager; the other writer takes the lock the first time segment 1 is muxed.
    let lockOnce = true;
    const packager: SegmentPackager = {
      name: builtin.name,
      granularity: builtin.granularity,
      probe: () => builtin.probe(),
      packageRendition: (src, outDir, signal) => builtin.packageRendition(src, outDir, signal),
      plan: (src) => builtin.plan(src),
      segment: async (src, n, signal) => {
        const bytes = await builtin.segment(src, n, signal);
        if (n === 1 && lockOnce) locker.exec('BEGIN IMMEDIATE');
        lockOnce &&= n !== 1;
        return bytes;
      },
    };
    const filler = new CacheFiller({ config: site.config, store, packager, log: silentLogger });
    const request = parseRequestPath('/i/clip.mp4/segment1_0_av.ts', site.config.urlPrefix);
    try {
      const err = await failureOf(filler.fill(request));
      expect(err.code).toBe('DB_BUSY');
      expect(existsSync(path.join(site.cacheDir, 'i/clip.mp4/segment1_0_av.ts'))).toBe(false);
      locker.exec('COMMIT');
      expect((await filler.fill(parseRequestPath('/i/clip.mp4/segment2_0_av.ts', site.config.urlPrefix))).generated).toBe(true);
      expect((await filler.fill(request)).generated).toBe(true);
      expect(store.fileByPath('i/clip.mp4/segment1_0_av.ts')).toBeDefined();
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
      store.close();
    }
  });
});
