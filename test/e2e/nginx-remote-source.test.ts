// A remote media_root through the whole stack: nginx in front, the daemon (its own process), an nginx origin behind.
// Misses read the origin; hits stay nginx's own, even with the origin gone.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { startHttpOrigin, type HttpOrigin } from '../helpers/http-origin.js';
import { startStack, type Stack } from '../helpers/stack.js';

const media = mkdtempSync(path.join(os.tmpdir(), 'casterpak-e2e-origin-'));
let origin: HttpOrigin;
let stack: Stack;

beforeAll(async () => {
  makeClip(path.join(media, 'clip.mp4'), { durationSec: 8, gopFrames: 25 });
  origin = await startHttpOrigin(media);
  stack = await startStack({ packager: 'builtin', extra: { media_root: origin.mediaRoot } });
}, 120_000);
afterAll(async () => {
  await stack?.dispose();
  await origin?.stop();
  rmSync(media, { recursive: true, force: true });
});

describe('an HTTP origin as media_root, behind nginx', () => {
  it('packages on a miss from the origin, then nginx serves the file as a hit without the daemon or the origin', async () => {
    const playlist = await stack.get('/i/clip.mp4/index_0_av.m3u8');
    expect(playlist.status).toBe(200);
    expect(playlist.text()).toContain('segment4_0_av.ts');
    expect((await stack.get('/i/clip.mp4/segment1_0_av.ts')).status).toBe(200);
    const seen = origin.requests().length;
    const misses = (await stack.daemon.healthz()).misses;
    expect((await stack.get('/i/clip.mp4/segment1_0_av.ts')).status).toBe(200);
    expect(origin.requests().length).toBe(seen);
    expect((await stack.daemon.healthz()).misses).toBe(misses);
  });

  it('after a daemon restart, makes a new segment from the moov kept in state_dir: one ranged GET', async () => {
    await stack.daemon.restart();
    const from = origin.requests().length;
    expect((await stack.get('/i/clip.mp4/segment2_0_av.ts')).status).toBe(200);
    const gets = origin.requests().slice(from).filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.status)).toEqual([206]);
  }, 60_000);

  it('with the origin down, answers a miss 502 within 15 s, keeps serving hits and stays healthy', async () => {
    await origin.stop();
    const startedMs = Date.now();
    const miss = await stack.get('/i/clip.mp4/segment3_0_av.ts');
    expect(Date.now() - startedMs).toBeLessThan(15_000);
    expect(miss.status).toBe(502);
    expect((await stack.get('/i/clip.mp4/segment1_0_av.ts')).status).toBe(200);
    expect((await stack.get('/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect((await stack.daemon.healthz()).status).toBe('ok');
    expect(stack.cacheFiles().filter((f) => f.includes('segment3'))).toEqual([]);
  }, 60_000);
});
