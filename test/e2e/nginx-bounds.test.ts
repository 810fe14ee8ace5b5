// What a public client cannot make the daemon do through nginx: bypass the cache with a query, fill the cache
// with masters of missing files, package without bound for an I-frame playlist, or queue packaging without end
// (a queued job waits at most packaging_timeout + 5 s).

import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../daemon/store/store.js';
import { makeAudioClip, makeClip } from '../helpers/clip.js';
import { parseMaster } from '../helpers/m3u8.js';
import { waitFor } from '../helpers/processes.js';
import { startStack, type Stack } from '../helpers/stack.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-bounds-'));
const clip = path.join(scratch, 'clip.mp4');
const audio = path.join(scratch, 'audio.m4a');
const HELD_FFMPEG = path.resolve('test/fixtures/bin/held-ffmpeg');

beforeAll(() => {
  makeClip(clip, { durationSec: 6, gopFrames: 25 });
  makeAudioClip(audio, 6);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Rows of the daemon's database whose path mentions `needle`, in the tables a request could fill. */
function rowsMentioning(stack: Stack, needle: string): unknown[] {
  const db = new Database(path.join(stack.daemon.stateDir, DB_FILE_NAME), { readonly: true });
  try {
    const like = { like: `%${needle}%` };
    return [
      ...db.prepare('SELECT path FROM cache_files WHERE path LIKE @like').all(like),
      ...db.prepare('SELECT master_path FROM master_members WHERE master_path LIKE @like').all(like),
    ];
  } finally {
    db.close();
  }
}

/** Packaging runs claimed in the daemon's database (the generations table) whose key mentions `needle`. */
function claimsMentioning(stack: Stack, needle: string): unknown[] {
  const db = new Database(path.join(stack.daemon.stateDir, DB_FILE_NAME), { readonly: true });
  try {
    return db.prepare('SELECT key FROM generations WHERE key LIKE @like').all({ like: `%${needle}%` });
  } finally {
    db.close();
  }
}

describe('public requests through nginx, builtin packager', () => {
  let stack: Stack;

  function addSource(rel: string, from = clip): void {
    copyFileSync(from, path.join(stack.daemon.mediaRoot, rel));
  }

  beforeAll(async () => {
    // 6 s clips in 2 s segments have 3 segments: one more than an I-frame playlist may package here.
    stack = await startStack({ packager: 'builtin', segmentDurationSec: 2, extra: { iframe_max_packaged_segments: 2 } });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it('serves a segment asked for with ?b= from the cache the second time, without the daemon seeing it', async () => {
    addSource('query.mp4');
    const url = '/i/query.mp4/segment1_0_av.ts?b=1';
    expect((await stack.get(url)).status).toBe(200);
    const before = await stack.daemon.healthz();
    const again = await stack.get(url);
    expect(again.status).toBe(200);
    expect(again.headers['cache-control']).toBe('public, max-age=60');
    // The only request the daemon saw since is the /healthz below.
    expect((await stack.daemon.healthz()).requests - before.requests).toBe(1);
    const lines = await waitFor('two log lines', () => {
      const found = stack.logLines().filter((l) => l.request_uri === url);
      return found.length >= 2 ? found : undefined;
    });
    expect(lines[1]).toMatchObject({ uri: '/i/query.mp4/segment1_0_av.ts', upstream_addr: '', status: '200' });
  });

  it('answers a csmil master naming a missing file but writes nothing to the cache or the database', async () => {
    addSource('set_real.mp4');
    const url = '/i/set_,real,nope1,.mp4.csmil/master.m3u8';
    for (let i = 0; i < 2; i++) {
      const res = await stack.get(url);
      expect(res.status, res.text()).toBe(200);
      expect(parseMaster(res.text()).variants.map((v) => v.uri)).toEqual(['../set_real.mp4/index_0_av.m3u8']);
    }
    expect(existsSync(path.join(stack.daemon.cacheDir, url.slice(1)))).toBe(false);
    expect(stack.cacheFiles().filter((f) => f.includes('csmil') || f.startsWith('.tmp'))).toEqual([]);
    expect(rowsMentioning(stack, 'csmil')).toEqual([]);
  });

  it('caches the whole master once the missing file appears', async () => {
    addSource('grow_a.mp4');
    const url = '/i/grow_,a,b,.mp4.csmil/master.m3u8';
    expect(parseMaster((await stack.get(url)).text()).variants).toHaveLength(1);
    addSource('grow_b.mp4');
    const res = await stack.get(url);
    expect(parseMaster(res.text()).variants).toHaveLength(2);
    expect(existsSync(path.join(stack.daemon.cacheDir, url.slice(1)))).toBe(true);
    expect(rowsMentioning(stack, 'grow_,a,b,').length).toBeGreaterThan(0);
  });

  it('refuses the I-frame playlist of an audio-only rendition at once, packaging nothing', async () => {
    addSource('tone.m4a', audio);
    const res = await stack.get('/i/tone.m4a/iframes_0_v.m3u8');
    expect(res.status).toBe(404);
    expect(res.text()).toMatch(/no video track/);
    expect(stack.cacheFiles().filter((f) => f.includes('tone.m4a'))).toEqual([]);
  });

  it('refuses an I-frame playlist that would package more segments than allowed, and builds it once they are cached', async () => {
    addSource('long.mp4');
    const refused = await stack.get('/i/long.mp4/iframes_0_v.m3u8');
    expect(refused.status).toBe(422);
    expect(refused.text()).toMatch(/^PACKAGING_LIMIT: .*3 segments.*iframe_max_packaged_segments \(2\)/);
    expect(stack.cacheFiles().filter((f) => f.includes('long.mp4/segment') || f.includes('iframes'))).toEqual([]);
    expect((await stack.get('/i/long.mp4/segment2_0_av.ts')).status).toBe(200);
    const built = await stack.get('/i/long.mp4/iframes_0_v.m3u8');
    expect(built.status, built.text()).toBe(200);
    expect(built.text()).toMatch(/#EXT-X-I-FRAMES-ONLY/);
  });
});

/**
 * Sources whose packaging waits (held-ffmpeg) until release() removes their hold files, or
 * packaging_timeout kills the run.
 */
function heldSources(stackOf: () => Stack): { heldSource(rel: string): string; release(): void } {
  const holds: string[] = [];
  return {
    heldSource(rel) {
      const file = path.join(stackOf().daemon.mediaRoot, rel);
      copyFileSync(clip, file);
      writeFileSync(`${file}.hold`, '');
      holds.push(`${file}.hold`);
      return file;
    },
    release: () => holds.splice(0).forEach((hold) => rmSync(hold, { force: true })),
  };
}

describe('the packaging queue through nginx', () => {
  let stack: Stack;
  const { heldSource, release } = heldSources(() => stack);

  beforeAll(async () => {
    stack = await startStack({
      packager: 'ffmpeg',
      segmentDurationSec: 2,
      extra: { ffmpeg_path: HELD_FFMPEG, max_concurrent_packaging: 1, max_queued_packaging: 1 },
    });
  });

  afterAll(async () => {
    release();
    await stack?.dispose();
  });

  it('refuses a job at once with 503 and Retry-After when the queue is full, filtered masters included', async () => {
    const running = heldSource('running.mp4');
    heldSource('queued.mp4');
    copyFileSync(clip, path.join(stack.daemon.mediaRoot, 'refused.mp4'));
    const first = stack.get('/i/running.mp4/index_0_av.m3u8');
    await waitFor('the first packaging run to hold the slot', () => existsSync(`${running}.started`) || undefined, 20_000);
    const second = stack.get('/i/queued.mp4/index_0_av.m3u8');
    await waitFor('the second run to queue', async () => ((await stack.daemon.healthz()).misses >= 2 ? true : undefined));

    for (const url of ['/i/refused.mp4/index_0_av.m3u8', '/i/refused.mp4/master.m3u8?b=1']) {
      const res = await stack.get(url);
      expect(res.status, url).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.text()).toMatch(/^BUSY: /);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
    expect(stack.cacheFiles().filter((f) => f.includes('refused.mp4'))).toEqual([]);

    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await stack.get('/i/refused.mp4/index_0_av.m3u8')).status).toBe(200);
  });
});

describe('a packaging job queued too long, through nginx', () => {
  // Long enough that the second queued job waits for two killed runs (2 × 10 s) past its own bound (10 + 5 s).
  const PACKAGING_TIMEOUT_SEC = 10;
  const QUEUE_BOUND_MS = (PACKAGING_TIMEOUT_SEC + 5) * 1000;
  let stack: Stack;
  const { heldSource, release } = heldSources(() => stack);
  const misses = async () => (await stack.daemon.healthz()).misses;

  beforeAll(async () => {
    stack = await startStack({
      packager: 'ffmpeg',
      segmentDurationSec: 2,
      extra: { ffmpeg_path: HELD_FFMPEG, max_concurrent_packaging: 1, max_queued_packaging: 2, packaging_timeout: `${PACKAGING_TIMEOUT_SEC}s` },
    });
  });

  afterAll(async () => {
    release();
    await stack?.dispose();
  });

  it('gives up after packaging_timeout + 5 s with 503 BUSY and Retry-After, leaving no file, row or queue place behind', async () => {
    const running = heldSource('first.mp4');
    heldSource('second.mp4');
    heldSource('third.mp4');
    const first = stack.get('/i/first.mp4/index_0_av.m3u8');
    await waitFor('the first run to hold the only slot', () => existsSync(`${running}.started`) || undefined, 20_000);
    const second = stack.get('/i/second.mp4/index_0_av.m3u8');
    await waitFor('the second job to queue', async () => ((await misses()) >= 2 ? true : undefined));
    // The first run is killed at 10 s and the second then holds the slot until 20 s: the third job only
    // waits, and its own bound (15 s from now) comes first.
    const sentMs = Date.now();
    const third = await stack.get('/i/third.mp4/index_0_av.m3u8');
    const waitedMs = Date.now() - sentMs;

    expect(third.status, third.text()).toBe(503);
    expect(third.headers['retry-after']).toBe('5');
    expect(third.text()).toMatch(/^BUSY: too many packaging jobs queued/);
    // Not before the bound (a timer never fires early; 100 ms for the two clocks' granularity); the upper
    // bound is generous, for a loaded machine.
    expect(waitedMs).toBeGreaterThanOrEqual(QUEUE_BOUND_MS - 100);
    expect(waitedMs).toBeLessThan(QUEUE_BOUND_MS + 15_000);
    expect((await first).status).toBe(504);
    expect(stack.cacheFiles().filter((f) => f.includes('third.mp4') || f.startsWith('.tmp'))).toEqual([]);
    expect(rowsMentioning(stack, 'third.mp4')).toEqual([]);
    expect(claimsMentioning(stack, 'third.mp4')).toEqual([]);

    // Its place in the queue is free again: two more jobs queue behind the second run, neither is refused.
    const more = ['/i/third.mp4/index_0_av.m3u8', '/i/fourth.mp4/index_0_av.m3u8'];
    copyFileSync(clip, path.join(stack.daemon.mediaRoot, 'fourth.mp4'));
    const before = await misses();
    const queued = more.map((url) => stack.get(url));
    await waitFor('both jobs to reach the queue', async () => ((await misses()) >= before + 2 ? true : undefined));
    release();
    expect((await second).status).toBe(200);
    for (const [i, res] of (await Promise.all(queued)).entries()) expect(res.status, `${more[i]}: ${res.text()}`).toBe(200);
  }, 90_000);
});
