// End to end through Debian's nginx and the daemon in nginx mode: first request, hits, concurrency, replaced sources, names.

import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_EXIT } from '../../daemon/cli/commands/prune.js';
import type { PruneReport } from '../../daemon/prune/run-prune.js';
import { DB_FILE_NAME } from '../../daemon/store/store.js';
import { countersSince, daemonCounters } from '../helpers/daemon-counters.js';
import { CLI_MAIN } from '../helpers/daemon.js';
import { encodePath, request, type HttpResponse } from '../helpers/http.js';
import { decodeErrors, makeClip } from '../helpers/clip.js';
import { playlistSegments, videoFacts } from '../helpers/media.js';
import { e2ePackagers, reportSkippedPackagers } from '../helpers/packagers.js';
import { waitFor } from '../helpers/processes.js';
import { startStack, type Stack } from '../helpers/stack.js';

const SEGMENT_CACHE_CONTROL = 'public, max-age=60';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-e2e-media-'));
const clip = path.join(scratch, 'clip.mp4');
const otherClip = path.join(scratch, 'other.mp4');

beforeAll(() => {
  makeClip(clip, { durationSec: 6, gopFrames: 25 });
  makeClip(otherClip, { durationSec: 4, size: '256x144', gopFrames: 25 });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * `count` requests for one URL through nginx, every one reaching the daemon before the run can publish: this
 * process holds SQLite's write lock (as `casterpakd prune` does) until the daemon has counted them all, so
 * the run waits at its first write and none of the requests can come late and be served by nginx as a hit.
 */
async function crowdOfMisses(stack: Stack, url: string, count: number): Promise<HttpResponse[]> {
  const db = new Database(path.join(stack.daemon.stateDir, DB_FILE_NAME));
  try {
    const before = (await stack.daemon.healthz()).misses;
    db.exec('BEGIN IMMEDIATE');
    const answers = Array.from({ length: count }, () => stack.get(url));
    try {
      await waitFor(`the daemon to count ${count} misses`, async () => ((await stack.daemon.healthz()).misses - before >= count ? true : undefined), 30_000);
    } finally {
      db.exec('COMMIT');
    }
    return await Promise.all(answers);
  } finally {
    db.close();
  }
}

/**
 * `casterpakd prune --json` in its own process. Its exit code is 0, or 3 when the tailer has not read the latest
 * lines yet (the TTL is then not applied; source changes are evicted either way); its report is what matters here.
 */
function pruneReport(stack: Stack): Promise<PruneReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_MAIN, 'prune', '--json', '--config', stack.daemon.configPath], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? err.code : 0;
      if (code !== PRUNE_EXIT.ok && code !== PRUNE_EXIT.ttlRefused) return reject(err ?? new Error(`prune exited ${code}`));
      resolve(JSON.parse(stdout) as PruneReport);
    });
  });
}

reportSkippedPackagers('the miss path through nginx');

describe.each(e2ePackagers())('the miss path through nginx, packager $label', ({ name: packager, keys }) => {
  let stack: Stack;

  /** Puts a copy of a test clip into media_root at `rel`. */
  function addSource(rel: string, from = clip): void {
    const target = path.join(stack.daemon.mediaRoot, rel);
    rmSync(target, { force: true });
    copyFileSync(from, target);
  }

  /** Fetches a rendition's playlist and every segment through nginx; returns the playlist text. */
  async function fetchAll(base: string): Promise<string> {
    const playlist = await stack.get(`${base}/index_0_av.m3u8`);
    expect(playlist.status, playlist.text()).toBe(200);
    for (const { uri } of playlistSegments(playlist.text())) expect((await stack.get(`${base}/${uri}`)).status).toBe(200);
    return playlist.text();
  }

  beforeAll(async () => {
    // The crowd test holds SQLite's lock while the requests arrive: the run may wait that long for it.
    stack = await startStack({ packager, segmentDurationSec: 2, extra: { ...keys, sqlite_lock_wait: '60s' } });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it('packages on the first playlist request and nginx serves the new file through X-Accel-Redirect', async () => {
    addSource('first.mp4');
    const before = await stack.daemon.healthz();
    const res = await stack.get('/i/first.mp4/index_0_av.m3u8');
    expect(res.status, res.text()).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.all('cache-control')).toEqual(['public, max-age=60']);
    expect(res.text()).toMatch(/^#EXTM3U\n[\s\S]*#EXT-X-ENDLIST\n?$/);
    expect(res.text()).toBe(readFileSync(path.join(stack.daemon.cacheDir, 'i/first.mp4/index_0_av.m3u8'), 'utf8'));
    const after = await stack.daemon.healthz();
    expect(after.misses - before.misses).toBe(1);
    // The log shows nginx answering from the internal location, for what the player asked.
    const line = stack.logLines().find((l) => l.request_uri === '/i/first.mp4/index_0_av.m3u8');
    expect(line).toMatchObject({ status: '200', uri: '/casterpak-internal/i/first.mp4/index_0_av.m3u8' });
    expect(line?.upstream_addr).not.toBe('');
  });

  it('answers the daemon side of a miss with an empty 200 and the encoded redirect, and no Cache-Control', async () => {
    addSource('direct é.mp4');
    const res = await stack.daemon.get(`/i/${encodePath('direct é.mp4')}/index_0_av.m3u8`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.headers['x-accel-redirect']).toBe('/casterpak-internal/i/direct%20%C3%A9.mp4/index_0_av.m3u8');
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['cache-control']).toBeUndefined();
  });

  it('answers a Range request that misses with 206 from the new file, and HEAD with the length and no body', async () => {
    addSource('range.mp4');
    const partial = await stack.get('/i/range.mp4/segment2_0_av.ts', { Range: 'bytes=188-563' });
    expect(partial.status).toBe(206);
    expect(partial.body.length).toBe(376);
    const file = readFileSync(path.join(stack.daemon.cacheDir, 'i/range.mp4/segment2_0_av.ts'));
    expect(partial.headers['content-range']).toBe(`bytes 188-563/${file.length}`);
    expect(partial.body.equals(file.subarray(188, 564))).toBe(true);
    addSource('head.mp4');
    const head = await request({ port: stack.nginx.port, path: '/i/head.mp4/index_0_av.m3u8', method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const playlist = readFileSync(path.join(stack.daemon.cacheDir, 'i/head.mp4/index_0_av.m3u8'));
    expect(Number(head.headers['content-length'])).toBe(playlist.length);
  });

  it('serves segments that all decode without an error, adding up to the source duration within one frame', async () => {
    addSource('decode.mp4');
    const text = await fetchAll('/i/decode.mp4');
    const segments = playlistSegments(text);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    const source = await videoFacts(clip);
    const totalSec = segments.reduce((sum, s) => sum + s.durationSec, 0);
    expect(Math.abs(totalSec - source.durationSec)).toBeLessThanOrEqual(source.frameSec);
    for (const { uri } of segments) {
      const res = await stack.get(`/i/decode.mp4/${uri}`);
      expect(res.headers['content-type']).toBe('video/mp2t');
      expect(res.all('cache-control')).toEqual([SEGMENT_CACHE_CONTROL]);
      const file = path.join(scratch, `${packager}-${uri}`);
      writeFileSync(file, res.body);
      expect(decodeErrors(file)).toBe('');
    }
    const url = `${stack.nginx.baseUrl}/i/decode.mp4/index_0_av.m3u8`;
    expect(decodeErrors(url)).toBe('');
    expect((await videoFacts(url)).frames).toBe(source.frames);
  });

  it('serves repeated requests from disk without reaching the daemon', async () => {
    addSource('repeat.mp4');
    const segmentCount = playlistSegments(await fetchAll('/i/repeat.mp4')).length;
    const before = await stack.daemon.healthz();
    const logged = stack.logLines().length;
    for (let round = 0; round < 3; round += 1) await fetchAll('/i/repeat.mp4');
    const after = await stack.daemon.healthz();
    // The only request the daemon saw in between is the second /healthz itself.
    expect(after.requests - before.requests).toBe(1);
    expect(after.packagerRuns).toBe(before.packagerRuns);
    const hits = stack.logLines().slice(logged);
    // Three rounds of the playlist and every segment, each logged once by nginx.
    expect(hits.length).toBe(3 * (1 + segmentCount));
    expect(hits.every((l) => l.upstream_addr === '' && l.status === '200' && l.uri === l.request_uri)).toBe(true);
  });

  it('packages once for 50 concurrent misses: every one counted, 49 waiting for the one run, and every client gets the same complete playlist', async () => {
    addSource('crowd.mp4');
    const before = await daemonCounters(stack.daemon);
    const answers = await crowdOfMisses(stack, '/i/crowd.mp4/index_0_av.m3u8', 50);
    const counted = countersSince(before, await daemonCounters(stack.daemon));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    const texts = new Set(answers.map((a) => a.text()));
    expect(texts.size).toBe(1);
    // Each request found the file missing; the first started the run, the other 49 waited for it.
    expect(counted).toEqual({ misses: 50, singleFlightWaits: 49, packagingRuns: 1, packagingTimeouts: 0 });
    // nginx's side of it: every request went to the daemon, none was a hit.
    const lines = await waitFor('the 50 log lines', () => {
      const found = stack.logLines().filter((l) => l.request_uri === '/i/crowd.mp4/index_0_av.m3u8');
      return found.length >= 50 ? found : undefined;
    });
    expect(lines.filter((l) => l.upstream_addr === '' || l.status !== '200')).toEqual([]);
    const [text] = texts;
    expect(text).toMatch(/#EXT-X-ENDLIST/);
    for (const { uri } of playlistSegments(text)) expect((await stack.get(`/i/crowd.mp4/${uri}`)).status).toBe(200);
  });

  it('serves the new content on the next miss once casterpakd prune has evicted the replaced package', async () => {
    addSource('replaced.mp4');
    await fetchAll('/i/replaced.mp4');
    const runs = (await stack.daemon.healthz()).packagerRuns;
    addSource('replaced.mp4', otherClip);
    // A different size and mtime: a new package, noticed by prune (its own process, as cron runs it).
    utimesSync(path.join(stack.daemon.mediaRoot, 'replaced.mp4'), new Date(), new Date(Date.now() + 5_000));
    const report = await pruneReport(stack);
    const evicted = report.evicted.files.filter((f) => f.path.startsWith('i/replaced.mp4/'));
    expect(evicted.map((f) => f.path)).toContain('i/replaced.mp4/index_0_av.m3u8');
    expect(new Set(evicted.map((f) => f.reason))).toEqual(new Set(['source-changed']));
    const text = await fetchAll('/i/replaced.mp4');
    const totalSec = playlistSegments(text).reduce((sum, s) => sum + s.durationSec, 0);
    expect(totalSec).toBeCloseTo(4, 1);
    const segment = path.join(scratch, `${packager}-replaced-1.ts`);
    writeFileSync(segment, (await stack.get('/i/replaced.mp4/segment1_0_av.ts')).body);
    expect(await videoFacts(segment)).toMatchObject({ width: 256, height: 144 });
    expect((await stack.daemon.healthz()).packagerRuns).toBeGreaterThan(runs);
  });

  it.each([
    ['spaces and non-ASCII letters', 'dir with space/clip été 日本.mp4'],
    ['percent, hash, question mark and plus signs', 'odd/100% #1? a+b.mp4'],
  ])('serves names with %s, on a miss and then as a hit', async (_what, rel) => {
    mkdirSync(path.join(stack.daemon.mediaRoot, path.dirname(rel)), { recursive: true });
    addSource(rel);
    const base = `/i/${encodePath(rel)}`;
    const text = await fetchAll(base);
    const first = playlistSegments(text)[0].uri;
    const segment = await stack.get(`${base}/${first}`);
    const file = path.join(scratch, `${packager}-named.ts`);
    writeFileSync(file, segment.body);
    expect(decodeErrors(file)).toBe('');
    const before = await stack.daemon.healthz();
    expect((await stack.get(`${base}/index_0_av.m3u8`)).text()).toBe(text);
    expect((await stack.daemon.healthz()).requests - before.requests).toBe(1);
  });
});

describe('the miss path through nginx to a daemon on a unix socket', () => {
  let stack: Stack;

  beforeAll(async () => {
    const [first] = e2ePackagers();
    stack = await startStack({ packager: first.name, listen: 'unix', segmentDurationSec: 2, extra: first.keys });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it('packages a miss through the socket and serves the repeat from disk', async () => {
    copyFileSync(clip, path.join(stack.daemon.mediaRoot, 'socket.mp4'));
    const first = await stack.get('/i/socket.mp4/index_0_av.m3u8');
    expect(first.status, first.text()).toBe(200);
    expect(stack.logLines().at(-1)?.upstream_addr).toMatch(/^unix:/);
    const segment = await stack.get('/i/socket.mp4/segment1_0_av.ts');
    expect(segment.status).toBe(200);
    const before = await stack.daemon.healthz();
    expect((await stack.get('/i/socket.mp4/index_0_av.m3u8')).text()).toBe(first.text());
    expect((await stack.get('/i/socket.mp4/segment1_0_av.ts')).body.equals(segment.body)).toBe(true);
    expect((await stack.daemon.healthz()).requests - before.requests).toBe(1);
  });
});
