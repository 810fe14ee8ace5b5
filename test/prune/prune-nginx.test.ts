import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PruneReport } from '../../daemon/prune/run-prune.js';
import { CLI_MAIN, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { get } from '../helpers/http.js';
import { makeClip } from '../helpers/clip.js';
import { playlistSegments } from '../helpers/media.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { sleep } from '../helpers/processes.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-prune-nginx-'));
let daemon: RunningDaemon;
let nginx: RunningNginx;

beforeAll(async () => {
  makeClip(path.join(scratch, 'clip.mp4'), { durationSec: 8, size: '640x360', gopFrames: 25 });
  daemon = await startDaemon({ packager: 'ffmpeg', segmentDurationSec: 1 });
  // Slow transfers, so that evictions land in the middle of them. nginx logs elsewhere than the daemon
  // tails: files fetched all the time would otherwise (rightly) never be old enough to evict.
  const accessLog = path.join(daemon.root, 'log', 'not-tailed.access.log');
  nginx = await startNginx({ config: { ...daemon.config, accessLog }, extraHttp: 'limit_rate 400k;' });
});

afterAll(async () => {
  await nginx?.stop();
  await daemon?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

async function pruneProcess(args: string[]): Promise<PruneReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI_MAIN, 'prune', '--config', daemon.configPath, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as PruneReport;
}

/** A whole MPEG-TS file: 188-byte packets, each opening with the sync byte (ISO/IEC 13818-1 §2.4.3.2). */
function isWholeTs(body: Buffer): boolean {
  if (body.length === 0 || body.length % 188 !== 0) return false;
  for (let at = 0; at < body.length; at += 188) if (body[at] !== 0x47) return false;
  return true;
}

describe('prune while nginx sends cache files', () => {
  it('gives 50 clients whole files, the one evicted under them or a re-packaged one, never a truncated file', async () => {
    copyFileSync(path.join(scratch, 'clip.mp4'), path.join(daemon.mediaRoot, 'clip.mp4'));
    const playlist = await get(nginx.port, '/i/clip.mp4/index_0_av.m3u8');
    expect(playlist.status, playlist.text()).toBe(200);
    const segments = playlistSegments(playlist.text()).map((s) => s.uri);
    expect(segments.length).toBeGreaterThanOrEqual(6);

    let stop = false;
    const failures: string[] = [];
    let completed = 0;
    const client = async (id: number) => {
      for (let round = 0; !stop; round += 1) {
        const name = segments[(id + round) % segments.length];
        const res = await get(nginx.port, `/i/clip.mp4/${name}`);
        completed += 1;
        const declared = Number(res.headers['content-length']);
        if (res.status !== 200) failures.push(`${name}: status ${res.status} ${res.text().slice(0, 80)}`);
        // A re-packaged file may differ in bytes from the evicted one; either way it must be whole.
        else if (res.body.length !== declared || !isWholeTs(res.body)) failures.push(`${name}: ${res.body.length} bytes for ${declared} declared`);
      }
    };
    const clients = Array.from({ length: 50 }, (_, id) => client(id));

    const evictedFiles: string[] = [];
    const started = Date.now();
    while (Date.now() - started < 4_000) {
      // As cron runs it, in its own process. TTL 0: everything not being generated right now goes, the whole
      // rendition at once (ffmpeg packages whole renditions).
      const report = await pruneProcess(['--ttl', '0s', '--force', '--json']);
      evictedFiles.push(...report.evicted.files.map((f) => f.path));
      await sleep(150);
    }
    stop = true;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(100);
    // Evictions really happened under the clients, more than once, and the package came back each time.
    expect(evictedFiles.filter((p) => p.endsWith('index_0_av.m3u8')).length).toBeGreaterThanOrEqual(1);
    expect(evictedFiles.filter((p) => p.endsWith('.ts')).length).toBeGreaterThan(segments.length);
    const again = await get(nginx.port, '/i/clip.mp4/index_0_av.m3u8');
    expect(again.status).toBe(200);
  });
});
