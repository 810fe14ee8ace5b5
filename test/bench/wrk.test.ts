// The benchmark's wrk runner, against a real nginx: figures read from wrk's summary, failures refused.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { wrk } from './wrk.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-wrk-'));
let nginx: RunningNginx | undefined;

beforeAll(async () => {
  const cacheDir = path.join(scratch, 'cache');
  mkdirSync(path.join(cacheDir, 'i/w.mp4'), { recursive: true });
  writeFileSync(path.join(cacheDir, 'i/w.mp4/index_0_av.m3u8'), '#EXTM3U\n');
  nginx = await startNginx({ config: validateConfig({ cache_dir: cacheDir, access_log: path.join(scratch, 'a.log'), listen: '127.0.0.1:9' }) });
});

afterAll(async () => {
  await nginx?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('wrk', () => {
  it('reports the requests, rate and latency of a run against cache hits', async () => {
    const result = await wrk(`${nginx?.baseUrl}/i/w.mp4/index_0_av.m3u8`, { threads: 1, connections: 4, durationSec: 1 });
    expect(result.requests).toBeGreaterThan(100);
    expect(result.requestsPerSec).toBeGreaterThan(result.requests / 2);
    expect(result.requestsPerSec).toBeLessThan(result.requests * 2);
    expect(result.latencyP99Ms).toBeGreaterThanOrEqual(result.latencyP50Ms);
    expect(result.transferBytesPerSec).toBeGreaterThan(0);
  });

  it('refuses a run whose answers were errors, so that a broken setup cannot pass as a figure', async () => {
    await expect(wrk(`${nginx?.baseUrl}/i/missing.mp4/index_0_av.m3u8`, { threads: 1, connections: 2, durationSec: 1 })).rejects.toThrow(/Non-2xx/);
  });
});
