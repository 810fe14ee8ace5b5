// What a remote source costs the origin: a long title's playlist and segment, a segment after a restart, and misses while the origin is down or hung.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { startHttpOrigin, type HttpOrigin } from '../helpers/http-origin.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { closeSourceFiles, sourceFileOf } from '../helpers/source-file.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SEGMENT_SEC = 10;
const LONG_MINUTES = 60;

let dir: string;
let origin: HttpOrigin;
let longFile: string;

/** An hour of low-bitrate 25 fps video with AAC: a full-size moov (every sample listed) in a file far larger than a playlist needs. */
async function makeLongTitle(into: string): Promise<string> {
  const tenSec = path.join(into, 'ten.mp4');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-b:v', '300k', '-c:a', 'aac', '-b:a', '64k', tenSec]);
  const long = path.join(into, 'long.mp4');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-stream_loop', String(LONG_MINUTES * 6 - 1), '-i', tenSec, '-c', 'copy', long]);
  await fs.rm(tenSec);
  return long;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-remote-costs-'));
  longFile = await makeLongTitle(dir);
  origin = await startHttpOrigin(dir);
}, 300_000);
afterAll(async () => {
  await origin?.stop();
  await closeSourceFiles();
  await fs.rm(dir, { recursive: true, force: true });
});

async function close(daemon: InProcessDaemon): Promise<void> {
  await daemon.filler.parsePool?.close();
  await daemon.filler.source.close();
}

/** Sample bytes of segment `n` of the long title at SEGMENT_SEC, from the file on disk. */
async function sampleBytesOf(n: number): Promise<number> {
  const packager = createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC });
  try {
    return (await packager.segmentPlan(await sourceFileOf(longFile))).segments[n - 1].sampleBytes;
  } finally {
    await packager.parsePool.close();
  }
}

describe('a long title from an HTTP origin', () => {
  it('fetches its media playlist and one segment with under 12 MiB from the origin', async () => {
    const { size } = await fs.stat(longFile);
    const daemon = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
    try {
      const from = origin.requests().length;
      expect((await daemon.request('/i/long.mp4/index_0_av.m3u8')).status).toBe(200);
      expect((await daemon.request('/i/long.mp4/segment180_0_av.ts')).status).toBe(200);
      const fetched = origin.bytesSent(from);
      expect(fetched).toBeLessThan(12 * MiB);
      expect(fetched).toBeLessThan(size / 4);
    } finally {
      await close(daemon);
    }
  }, 120_000);

  it('after a restart fetches a new segment with at most 1.25 times its sample bytes plus 256 KiB: the moov comes from state_dir', async () => {
    const first = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
    const dirs = { media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC, state_dir: first.config.stateDir, cache_dir: first.cacheDir };
    try {
      expect((await first.request('/i/long.mp4/index_0_av.m3u8')).status).toBe(200);
    } finally {
      await close(first);
    }
    const restarted = inProcessDaemon(dirs);
    try {
      const from = origin.requests().length;
      expect((await restarted.request('/i/long.mp4/segment77_0_av.ts')).status).toBe(200);
      const fetched = origin.bytesSent(from);
      expect(fetched).toBeLessThanOrEqual(1.25 * (await sampleBytesOf(77)) + 256 * 1024);
      // One ranged read for the segment's samples; the rest are HEADs.
      const gets = origin.requests().slice(from).filter((r) => r.method === 'GET');
      expect(gets).toHaveLength(1);
      expect(gets[0].status).toBe(206);
      expect(restarted.filler.source.stats!.moovCache.hits).toBeGreaterThan(0);
      expect(restarted.filler.source.stats!.moovCache.misses).toBe(0);
    } finally {
      await close(restarted);
    }
  }, 120_000);
});

describe('misses while the origin is unreachable', () => {
  it('answers 502 within 15 s when the origin is down, and /healthz stays up', async () => {
    const spare = await startHttpOrigin(dir);
    const daemon = inProcessDaemon({ media_root: spare.mediaRoot, segment_duration: SEGMENT_SEC });
    try {
      await spare.stop();
      const startedMs = Date.now();
      const res = await daemon.request('/i/long.mp4/index_0_av.m3u8');
      expect(Date.now() - startedMs).toBeLessThan(15_000);
      expect([502, 503, 504]).toContain(res.status);
      expect(res.status).toBe(502);
      expect((await daemon.request('/healthz')).status).toBe(200);
      await expect(fs.access(path.join(daemon.cacheDir, 'i', 'long.mp4'))).rejects.toThrow();
    } finally {
      await close(daemon);
    }
  }, 60_000);

  it('follows an origin that redirects, and packages as from the final address', async () => {
    const moved = inProcessDaemon({ media_root: origin.movedRoot, segment_duration: SEGMENT_SEC });
    const direct = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
    try {
      const got = await moved.request('/i/long.mp4/index_0_av.m3u8');
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(await (await direct.request('/i/long.mp4/index_0_av.m3u8')).text());
      expect(origin.requests().some((r) => r.status === 301)).toBe(true);
    } finally {
      await close(moved);
      await close(direct);
    }
  }, 60_000);

  it('reads an origin that refuses HEAD, sizing the object with a one-byte ranged GET', async () => {
    const daemon = inProcessDaemon({ media_root: origin.noHeadRoot, segment_duration: SEGMENT_SEC });
    const direct = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
    try {
      const from = origin.requests().length;
      const got = await daemon.request('/i/long.mp4/index_0_av.m3u8');
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(await (await direct.request('/i/long.mp4/index_0_av.m3u8')).text());
      const mine = origin.requests().slice(from).filter((r) => r.uri.startsWith('/nohead/'));
      expect(mine.some((r) => r.method === 'HEAD' && r.status === 405)).toBe(true);
      expect(mine.some((r) => r.method === 'GET' && r.range === 'bytes=0-0' && r.status === 206)).toBe(true);
    } finally {
      await close(daemon);
      await close(direct);
    }
  }, 60_000);

  it('tries a 5xx answer three times in all, then answers 502 ORIGIN_FAILED', async () => {
    const daemon = inProcessDaemon({ media_root: origin.failingRoot });
    try {
      const from = origin.requests().length;
      const res = await daemon.request('/i/long.mp4/index_0_av.m3u8');
      expect(res.status).toBe(502);
      expect(await res.text()).toMatch(/ORIGIN_FAILED|origin failed/);
      const tried = origin.requests().slice(from);
      expect(tried.map((r) => [r.method, r.status])).toEqual([['HEAD', 503], ['HEAD', 503], ['HEAD', 503]]);
      expect(daemon.filler.source.stats!.requests.get('error')).toBe(3);
    } finally {
      await close(daemon);
    }
  }, 60_000);

  it('answers 504 when the origin accepts connections but never answers, after origin_timeout', async () => {
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const port = (hung.address() as net.AddressInfo).port;
    const daemon = inProcessDaemon({ media_root: `http://127.0.0.1:${port}/media/`, origin_timeout: '2s' });
    try {
      const res = await daemon.request('/i/long.mp4/index_0_av.m3u8');
      expect(res.status).toBe(504);
      expect((await daemon.request('/healthz')).status).toBe(200);
    } finally {
      await close(daemon);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  }, 60_000);
});

describe('whole-rendition packagers with an HTTP origin', () => {
  it('fetch the object whole to a temporary file and package it as from disk (ffmpeg)', async () => {
    const name = 'short.mp4';
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', path.join(dir, name)]);
    const remote = inProcessDaemon({ media_root: origin.mediaRoot, packager: 'ffmpeg', segment_duration: 2 });
    const local = inProcessDaemon({ media_root: dir, packager: 'ffmpeg', segment_duration: 2 });
    try {
      const from = origin.requests().length;
      const got = await remote.request(`/i/${name}/index_0_av.m3u8`);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(await (await local.request(`/i/${name}/index_0_av.m3u8`)).text());
      const whole = origin.requests().slice(from).filter((r) => r.method === 'GET' && r.range === '');
      expect(whole).toHaveLength(1);
      expect(whole[0].bytes).toBe((await fs.stat(path.join(dir, name))).size);
      // The download is gone with the run.
      expect((await fs.readdir(path.join(remote.cacheDir, '.tmp')).catch(() => [])).length).toBe(0);
    } finally {
      await close(remote);
      await close(local);
    }
  }, 60_000);
});
