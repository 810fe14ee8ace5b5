// The drop-in keeps its guarantees inside a site tuned with an open-file cache that caches errors too.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { get } from '../helpers/http.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-tuning-'));
const cacheDir = path.join(scratch, 'cache');
const misses: string[] = [];
let upstream: http.Server;
let nginx: RunningNginx | undefined;

/** Site-wide tuning that, in CasterPak's locations, would cache "not found" and stale descriptors. */
const SITE_TUNING = 'open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s; open_file_cache_min_uses 1; open_file_cache_errors on;';

function cacheFile(rel: string, content: string): void {
  mkdirSync(path.dirname(path.join(cacheDir, rel)), { recursive: true });
  writeFileSync(path.join(cacheDir, rel), content);
}

beforeAll(async () => {
  // In the daemon's place: packages on a miss (writes the file) and redirects to it, as the contract says.
  upstream = http.createServer((req, res) => {
    misses.push(req.url ?? '');
    const rel = (req.url ?? '').slice(1);
    cacheFile(rel, `packaged ${misses.length}\n`);
    res.writeHead(200, { 'X-Accel-Redirect': `/casterpak-internal/${rel}`, 'Content-Type': 'application/vnd.apple.mpegurl' }).end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const listen = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const config = validateConfig({ cache_dir: cacheDir, access_log: path.join(scratch, 'casterpak.access.log'), listen });
  nginx = await startNginx({ config, extraHttp: SITE_TUNING });
});

afterAll(async () => {
  await nginx?.stop();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

describe('under a site-wide open_file_cache with open_file_cache_errors on', () => {
  it('serves the file a miss just wrote through the redirect, and the next request as a hit', async () => {
    const port = (nginx as RunningNginx).port;
    expect((await get(port, '/i/a.mp4/index_0_av.m3u8')).text()).toBe('packaged 1\n');
    expect((await get(port, '/i/a.mp4/index_0_av.m3u8')).text()).toBe('packaged 1\n');
    expect(misses).toEqual(['/i/a.mp4/index_0_av.m3u8']);
  });

  it('sends the next request to the daemon once a cached file is unlinked, instead of serving it from a cached descriptor', async () => {
    const port = (nginx as RunningNginx).port;
    cacheFile('i/b.mp4/index_0_av.m3u8', 'old\n');
    expect((await get(port, '/i/b.mp4/index_0_av.m3u8')).text()).toBe('old\n');
    rmSync(path.join(cacheDir, 'i/b.mp4/index_0_av.m3u8'));
    const after = await get(port, '/i/b.mp4/index_0_av.m3u8');
    expect(after.text()).toMatch(/^packaged \d+\n$/);
    expect(misses).toContain('/i/b.mp4/index_0_av.m3u8');
  });
});
