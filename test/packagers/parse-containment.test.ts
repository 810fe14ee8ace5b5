// The real daemon process: a moov too big to parse, or too slow, costs one parse worker, never the daemon.

import { readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { writeHugeMoovMovie } from '../helpers/huge-moov.js';
import { buildMovie, simpleVideo } from '../helpers/mp4-builder.js';
import { waitFor } from '../helpers/processes.js';

/** The highest resident set size the process has had, in bytes (Linux). */
function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** `promise`, or a failure naming `what` once `ms` have passed (a generous deadline, not a timing target). */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface ParseWorkerStats {
  started: number;
  replaced: number;
}

async function workerStats(daemon: RunningDaemon): Promise<ParseWorkerStats> {
  return (await daemon.healthz()).parseWorkers as ParseWorkerStats;
}

/** Plays a rendition: its playlist and every segment it lists answer 200. */
async function plays(daemon: RunningDaemon, rel: string): Promise<void> {
  const playlist = await daemon.get(`/i/${rel}/index_0_av.m3u8`);
  expect(playlist.status).toBe(200);
  const segments = playlist.text().split('\n').filter((line) => line.endsWith('.ts'));
  expect(segments.length).toBeGreaterThan(0);
  for (const segment of segments) expect((await daemon.get(`/i/${rel}/${segment}`)).status).toBe(200);
}

/**
 * A low parse_memory_limit, and [limits] raised far above the crafted file: the limits would refuse it from
 * its moov (422) before parsing, and here the worker's own bound is what must hold.
 */
const BOUNDED_BY_THE_WORKER = {
  parse_memory_limit: '96MiB',
  'limits.max_samples': 1_000_000_000,
  'limits.max_moov_bytes': '1GiB',
  'limits.max_segments': 1_000_000_000,
  'limits.max_playlist_bytes': '100GiB',
};

describe('a moov beyond parse_memory_limit', () => {
  let daemon: RunningDaemon;

  beforeAll(async () => {
    daemon = await startDaemon({ mode: 'standalone', packager: 'builtin', extra: BOUNDED_BY_THE_WORKER });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    // 16 million samples: 64 MiB of stsz, and over 500 MB of sample tables once parsed.
    writeHugeMoovMovie(path.join(daemon.mediaRoot, 'huge.mp4'), 16_000_000);
  });
  afterAll(() => daemon?.dispose());

  it('is refused with 503 PARSE_RESOURCES while /healthz keeps answering and the daemon stays small', async () => {
    const refused = daemon.get('/i/huge.mp4/index_0_av.m3u8');
    let done = false;
    void refused.finally(() => (done = true));
    let healthzAnswers = 0;
    while (!done) {
      expect((await within(5_000, '/healthz', daemon.healthz())).status).toBe('ok');
      healthzAnswers += 1;
    }
    const response = await within(20_000, 'the refused request', refused);
    expect(response.status, response.text()).toBe(503);
    expect(response.text()).toMatch(/^PARSE_RESOURCES: .*parse_memory_limit/);
    expect(healthzAnswers).toBeGreaterThan(0);
    expect(peakRssBytes(daemon.pid())).toBeLessThan(400 * 1024 * 1024);
    // One refused parse costs exactly one worker.
    expect((await workerStats(daemon)).replaced).toBe(1);
  });

  it('leaves the daemon playing normal renditions afterwards, and caches nothing for the refused one', async () => {
    expect((await daemon.get('/i/huge.mp4/index_0_av.m3u8')).status).toBe(503);
    await plays(daemon, 'clip.mp4');
    expect(readdirSync(path.join(daemon.cacheDir, 'i'))).toEqual(['clip.mp4']);
  });
});

describe('a parse that outlasts packaging_timeout', () => {
  let daemon: RunningDaemon;

  beforeAll(async () => {
    daemon = await startDaemon({ mode: 'standalone', packager: 'builtin', segmentDurationSec: 60, extra: { packaging_timeout: '1s', max_concurrent_packaging: 1 } });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    // Every sample is a sync sample whose slice is not an IDR: the planner reads candidate after
    // candidate (seconds of work for 450 000 frames), a slow parse made of legal boxes.
    const frames = 450_000;
    const video = simpleVideo({ frames, gop: 1, nonIdrSync: Array.from({ length: frames }, (_, i) => i) });
    writeFileSync(path.join(daemon.mediaRoot, 'slow.mp4'), buildMovie({ tracks: [video] }));
  });
  afterAll(() => daemon?.dispose());

  it('answers 504 and its worker is ended and replaced, so the next request is served', async () => {
    const before = await workerStats(daemon);
    const response = await daemon.get('/i/slow.mp4/index_0_av.m3u8');
    expect(response.status).toBe(504);
    expect(response.text()).toMatch(/^PACKAGER_TIMEOUT: /);
    const after = await workerStats(daemon);
    expect(after.replaced).toBe(before.replaced + 1);
    // The slot is free again: the clip plays, and the slow source's next parse starts a new worker in it.
    await plays(daemon, 'clip.mp4');
    expect((await daemon.get('/i/slow.mp4/index_0_av.m3u8')).status).toBe(504);
    expect((await workerStats(daemon)).started).toBe(after.started + 1);
  });
});

describe('sources opened by the daemon', () => {
  let daemon: RunningDaemon;

  beforeAll(async () => {
    daemon = await startDaemon({ mode: 'standalone', packager: 'builtin', extra: BOUNDED_BY_THE_WORKER });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    makeClip(path.join(daemon.root, 'outside.mp4'), { durationSec: 4 });
    symlinkSync(path.join(daemon.root, 'outside.mp4'), path.join(daemon.mediaRoot, 'escape.mp4'));
    writeFileSync(path.join(daemon.mediaRoot, 'text.mp4'), 'not a movie\n'.repeat(100));
    writeHugeMoovMovie(path.join(daemon.mediaRoot, 'huge.mp4'), 16_000_000);
  });
  afterAll(() => daemon?.dispose());

  it('answers 404 for a media_root path that is a symlink to a file outside it', async () => {
    expect((await daemon.get('/i/escape.mp4/index_0_av.m3u8')).status).toBe(404);
    expect((await daemon.get('/i/escape.mp4/segment1_0_av.ts')).status).toBe(404);
  });

  it('are all closed after their requests, whether they succeeded or not', async () => {
    await plays(daemon, 'clip.mp4'); // database open, the clip parsed on the event loop: the steady state
    const baseline = openFds(daemon.pid());
    const statuses: number[] = [];
    for (const url of ['/i/text.mp4/index_0_av.m3u8', '/i/huge.mp4/index_0_av.m3u8', '/i/escape.mp4/index_0_av.m3u8', '/i/clip.mp4/segment9_0_av.ts']) {
      statuses.push((await daemon.get(url)).status);
    }
    expect(statuses).toEqual([422, 503, 404, 404]);
    await Promise.all([1, 2].map((n) => daemon.get(`/i/clip.mp4/segment${n}_0_av.ts`)));
    await waitFor('the descriptor count to return to its baseline', () => (openFds(daemon.pid()) <= baseline ? true : undefined), 10_000);
  });
});
