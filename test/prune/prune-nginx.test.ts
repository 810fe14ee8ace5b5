// Prune run as cron runs it, in its own process, while nginx serves the cache files it evicts.

import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PruneReport } from '../../daemon/prune/run-prune.js';
import { CLI_MAIN, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { get } from '../helpers/http.js';
import { decodeErrors, makeClip } from '../helpers/clip.js';
import { playlistSegments } from '../helpers/media.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { sleep, waitFor } from '../helpers/processes.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-prune-nginx-'));

beforeAll(() => {
  makeClip(path.join(scratch, 'clip.mp4'), { durationSec: 8, size: '640x360', gopFrames: 25 });
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function pruneProcess(daemon: RunningDaemon, args: string[]): Promise<PruneReport> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI_MAIN, 'prune', '--config', daemon.configPath, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as PruneReport;
}

/** A whole MPEG-TS file: 188-byte packets, each opening with the sync byte (ISO/IEC 13818-1 §2.4.3.2). */
function isWholeTs(body: Buffer): boolean {
  if (body.length === 0 || body.length % 188 !== 0) return false;
  for (let at = 0; at < body.length; at += 188) if (body[at] !== 0x47) return false;
  return true;
}

/** How an nginx worker holds `file` now: open, open after its unlink (`deleted`), or not at all. */
function heldByNginx(masterPid: number, file: string): 'open' | 'deleted' | undefined {
  const workers = readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  for (const pid of workers) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      if (target === file) return 'open';
      if (target === `${file} (deleted)`) return 'deleted';
    }
  }
  return undefined;
}

describe.each(['ffmpeg', 'builtin'] as const)('prune while nginx sends cache files (%s)', (packager) => {
  let daemon: RunningDaemon;
  let nginx: RunningNginx;

  beforeAll(async () => {
    daemon = await startDaemon({ packager, segmentDurationSec: 1 });
    // Slow transfers, so that evictions land in the middle of them. nginx logs elsewhere than the daemon
    // tails: files fetched all the time would otherwise (rightly) never be old enough to evict.
    const accessLog = path.join(daemon.root, 'log', 'not-tailed.access.log');
    nginx = await startNginx({ config: { ...daemon.config, accessLog }, extraHttp: 'limit_rate 400k;' });
  });

  afterAll(async () => {
    await nginx?.stop();
    await daemon?.dispose();
  });

  it('gives 50 clients whole files, the one evicted under them or a re-packaged one, never a truncated file', async () => {
    copyFileSync(path.join(scratch, 'clip.mp4'), path.join(daemon.mediaRoot, 'clip.mp4'));
    const playlist = await get(nginx.port, '/i/clip.mp4/index_0_av.m3u8');
    expect(playlist.status, playlist.text()).toBe(200);
    const segments = playlistSegments(playlist.text()).map((s) => s.uri);
    // 8 s cut at every 1 s keyframe.
    expect(segments).toHaveLength(8);

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
    let evictingRuns = 0;
    const evictedSegments = () => evictedFiles.filter((p) => p.endsWith('.ts')).length;
    // At least 4 s of traffic, at least two prune runs that evicted, and more segments evicted than the rendition
    // has (a loaded machine starts processes slowly, and a run may find part of the rendition being re-made).
    const enough = () => evictingRuns >= 2 && evictedSegments() > segments.length;
    while (Date.now() - started < 4_000 || (!enough() && Date.now() - started < 30_000)) {
      // As cron runs it, in its own process. TTL 0: everything not being generated right now goes (the whole
      // rendition at once from ffmpeg, file by file from builtin).
      const report = await pruneProcess(daemon, ['--ttl', '0s', '--force', '--json']);
      evictedFiles.push(...report.evicted.files.map((f) => f.path));
      if (report.evicted.files.length > 0) evictingRuns += 1;
      await sleep(150);
    }
    stop = true;
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(completed).toBeGreaterThan(100);
    // Evictions really happened under the clients, more than once, and the package came back each time.
    expect(evictedFiles.filter((p) => p.endsWith('index_0_av.m3u8')).length).toBeGreaterThanOrEqual(1);
    expect(evictedSegments()).toBeGreaterThan(segments.length);
    const again = await get(nginx.port, '/i/clip.mp4/index_0_av.m3u8');
    expect(again.status).toBe(200);
  });

  it('lets a download in progress finish whole when prune evicts its file halfway', async () => {
    copyFileSync(path.join(scratch, 'clip.mp4'), path.join(daemon.mediaRoot, 'overlap.mp4'));
    const playlist = await get(nginx.port, '/i/overlap.mp4/index_0_av.m3u8');
    expect(playlist.status, playlist.text()).toBe(200);
    const name = playlistSegments(playlist.text())[0].uri;
    expect((await get(nginx.port, `/i/overlap.mp4/${name}`)).status).toBe(200);
    const file = path.join(daemon.cacheDir, 'i', 'overlap.mp4', name);
    const original = readFileSync(file);
    // A slow client: nginx sends this one at a tenth of the file per second, so the download lasts about 10 s.
    const rateKiB = Math.max(1, Math.floor(original.length / 10 / 1024));
    const slowNginx = await startNginx({
      config: { ...daemon.config, accessLog: path.join(daemon.root, 'log', 'slow.access.log') },
      extraHttp: `limit_rate ${rateKiB}k;`,
    });
    try {
      const download = get(slowNginx.port, `/i/overlap.mp4/${name}`);
      await waitFor('nginx to open the segment for the slow client', () => (heldByNginx(slowNginx.pid, file) === 'open' ? true : undefined), 30_000);
      const report = await pruneProcess(daemon, ['--ttl', '0s', '--force', '--json']);
      expect(report.evicted.files.map((f) => f.path)).toContain(`i/overlap.mp4/${name}`);
      expect(existsSync(file)).toBe(false);
      // The eviction landed inside the download: nginx still sends from the file prune unlinked.
      expect(heldByNginx(slowNginx.pid, file)).toBe('deleted');
      const answer = await download;
      expect(answer.status).toBe(200);
      expect(answer.body.length).toBe(original.length);
      expect(answer.body.equals(original)).toBe(true);
      const received = path.join(scratch, `${packager}-overlap.ts`);
      writeFileSync(received, answer.body);
      expect(decodeErrors(received)).toBe('');
    } finally {
      await slowNginx.stop();
    }
  }, 60_000);
});
