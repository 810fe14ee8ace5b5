// The nginx-vod-module comparison's parts: its /proc readings, the row it prints unbuilt, and (when built) the reference itself.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { get } from '../helpers/http.js';
import { vodBench } from './vod.js';
import { cpuMs, memoryOf, startVodNginx } from './vod-reference.js';

const REFERENCE = process.env.CASTERPAK_BENCH_VOD_NGINX;

describe('the nginx-vod-module comparison', () => {
  it('prints one row saying the reference was not measured, and how to build it, when no binary is named', async () => {
    const saved = process.env.CASTERPAK_BENCH_VOD_NGINX;
    delete process.env.CASTERPAK_BENCH_VOD_NGINX;
    try {
      const rows = await vodBench.run();
      expect(rows).toHaveLength(1);
      expect(rows[0].casterpak).toBe('not measured');
      expect(rows[0].reference).toContain('test/bench/build-vod-reference.sh');
    } finally {
      if (saved !== undefined) process.env.CASTERPAK_BENCH_VOD_NGINX = saved;
    }
  });

  it('counts the CPU time this process spends, as the process itself reports it', () => {
    const before = cpuMs([process.pid]);
    const own = process.cpuUsage();
    // Busy until Node says 200 ms of CPU went by, however loaded the machine (a generous deadline).
    const deadline = Date.now() + 30_000;
    const usedMs = () => {
      const used = process.cpuUsage(own);
      return (used.user + used.system) / 1000;
    };
    while (usedMs() < 200 && Date.now() < deadline) Math.sqrt(Math.random());
    // /proc counts in 10 ms ticks.
    expect(cpuMs([process.pid]) - before).toBeGreaterThanOrEqual(usedMs() - 30);
  });

  it('reads the peak resident set at least as large as the current one', () => {
    const memory = memoryOf([process.pid]);
    expect(memory.rssBytes).toBeGreaterThan(1e6);
    expect(memory.hwmBytes).toBeGreaterThanOrEqual(memory.rssBytes);
  });

  it.skipIf(!REFERENCE)('the built reference packages a media playlist and its first segment from a local MP4', async () => {
    const media = mkdtempSync(path.join(os.tmpdir(), 'casterpak-vod-test-'));
    makeClip(path.join(media, 'clip.mp4'), { durationSec: 12, gopFrames: 50 });
    const vod = await startVodNginx(REFERENCE!, media);
    try {
      const playlist = await get(vod.port, '/hls/clip.mp4/index.m3u8');
      expect(playlist.status).toBe(200);
      expect(playlist.text()).toContain('#EXTINF:10.000');
      const segment = await get(vod.port, '/hls/clip.mp4/seg-1-v1-a1.ts');
      expect(segment.status).toBe(200);
      expect(segment.body[0]).toBe(0x47);
    } finally {
      await vod.stop();
      rmSync(media, { recursive: true, force: true });
    }
  }, 60_000);
});
