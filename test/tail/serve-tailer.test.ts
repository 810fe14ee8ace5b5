import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheStatus } from '../../daemon/status/cache-status.js';
import { makeClip } from '../helpers/clip.js';
import { playlistSegments } from '../helpers/media.js';
import { waitFor } from '../helpers/processes.js';
import { startStack, type Stack } from '../helpers/stack.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-serve-tail-'));
let stack: Stack;

beforeAll(async () => {
  makeClip(path.join(scratch, 'clip.mp4'), { durationSec: 4, gopFrames: 25 });
  stack = await startStack({ packager: 'ffmpeg', segmentDurationSec: 1 });
});

afterAll(async () => {
  await stack?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('casterpakd serve in nginx mode', () => {
  it('counts the hits nginx serves alone, and the miss it sent to the daemon, while it serves', async () => {
    copyFileSync(path.join(scratch, 'clip.mp4'), path.join(stack.daemon.mediaRoot, 'clip.mp4'));
    const miss = await stack.get('/i/clip.mp4/index_0_av.m3u8');
    expect(miss.status).toBe(200);
    const segments = playlistSegments(miss.text()).map((s) => s.uri);
    for (let round = 0; round < 3; round += 1) {
      for (const name of segments) expect((await stack.get(`/i/clip.mp4/${name}`)).status).toBe(200);
    }
    expect((await stack.get('/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    const hits = 3 * segments.length + 1;
    // A generous deadline: how soon lines arrive is the benchmark's figure (tailer lag under load).
    const status = await waitFor('the hits in SQLite', async () => {
      const s = await cacheStatus(stack.daemon.config);
      return s.hits.hits >= hits && s.tailer?.bytesBehind === 0 ? s : undefined;
    }, 30_000);
    expect(status.hits).toEqual({ hits, misses: 1, ratio: hits / (hits + 1), basis: 'access-log' });
    expect(status.topRenditions[0]).toMatchObject({ source: 'clip.mp4', files: segments.length + 1, hits });
    expect(status.tailer).toMatchObject({ logExists: true, hasCursor: true });
  });
});
