// The real daemon process over HTTP: hostile sources get 422 MP4_LIMIT fast, cache nothing, cost little memory; healthz keeps answering.

import { copyFileSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE_LIMITS } from '../../daemon/source-limits.js';
import { GOOD_MEDIA, makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { freeBoxFlood, overlappingSamples, sampleFlood, type HostileFile } from '../helpers/hostile-mp4.js';
import { playlistSegments } from '../helpers/media.js';
import { sleep } from '../helpers/processes.js';

const HOSTILE: Record<string, { make: () => HostileFile; names: string }> = {
  'sample-flood.m4a': { make: () => sampleFlood(), names: `limits.max_segments = ${DEFAULT_SOURCE_LIMITS.maxSegments}` },
  'free-box-flood.mp4': { make: () => freeBoxFlood(), names: `limits.max_moov_boxes = ${DEFAULT_SOURCE_LIMITS.maxMoovBoxes}` },
  'overlapping-samples.mp4': { make: () => overlappingSamples(), names: 'every sample must have bytes of its own' },
};
/** The reviewer's budget for the whole daemon process (Node itself takes about 60 MB). */
const MAX_DAEMON_RSS_BYTES = 400 * 1024 * 1024;

let daemon: RunningDaemon;

/** Writes the crafted bytes and extends the file with a hole to its logical size: a few KB on disk. */
function writeSparse(file: string, hostile: HostileFile): void {
  writeFileSync(file, hostile.bytes);
  truncateSync(file, hostile.sizeBytes);
}

/** True when a file truncated to 4 MiB past 4 KiB of data takes little more than the data on disk in `dir`; else why not. */
function keepsHoles(dir: string): true | string {
  const probe = path.join(dir, '.sparse-probe');
  writeFileSync(probe, Buffer.alloc(4096, 1));
  truncateSync(probe, 4 * 2 ** 20);
  const taken = statSync(probe).blocks * 512;
  rmSync(probe);
  return taken < 64 * 1024 || `the file system of ${dir} does not keep holes: a 4 MiB file with 4 KiB of data takes ${taken} bytes`;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** kB → bytes from a /proc/<pid>/status line such as `VmHWM:   81234 kB`. */
function statusBytes(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1]) * 1024;
}

beforeAll(async () => {
  await makeMedia(Object.keys(GOOD_MEDIA));
  daemon = await startDaemon({ mode: 'standalone', packager: 'builtin', segmentDurationSec: 2 });
  for (const [name, { make }] of Object.entries(HOSTILE)) writeSparse(path.join(daemon.mediaRoot, name), make());
  for (const name of Object.keys(GOOD_MEDIA)) copyFileSync(await mediaFile(name), path.join(daemon.mediaRoot, name));
});

afterAll(async () => {
  await daemon?.dispose();
  await removeMediaDir();
});

describe('hostile sources against the real daemon', () => {
  it('keep their crafted shapes: a sparse 4,000,000-sample file and a 120 KB file of overlapping samples', (ctx) => {
    const flood = statSync(path.join(daemon.mediaRoot, 'sample-flood.m4a'));
    expect(flood.size).toBeGreaterThan(4_000_000);
    expect(statSync(path.join(daemon.mediaRoot, 'overlapping-samples.mp4')).size).toBeLessThan(130_000);
    // "4 KB on disk" needs a file system that keeps holes (ext4, xfs, tmpfs do; some network file systems do not).
    const holes = keepsHoles(daemon.mediaRoot);
    if (holes !== true) return ctx.skip(holes);
    expect(flood.blocks * 512).toBeLessThan(64 * 1024);
  });

  it('answer 422 MP4_LIMIT naming the limit, cache nothing, keep /healthz answering and the daemon under 400 MB', async () => {
    let polling = true;
    const healthz: number[] = [];
    const poller = (async () => {
      while (polling) {
        healthz.push((await daemon.get('/healthz')).status);
        await sleep(20);
      }
    })();
    const urls = Object.keys(HOSTILE).flatMap((name) => [`/i/${name}/index_0_av.m3u8`, `/i/${name}/segment1_0_av.ts`]);
    // Twice each, the second round concurrently: a refused source is parsed again, never half-cached.
    const answers = [];
    for (const url of urls) answers.push({ url, res: await daemon.get(url) });
    answers.push(...(await Promise.all(urls.map(async (url) => ({ url, res: await daemon.get(url) })))));
    polling = false;
    await poller;

    for (const { url, res } of answers) {
      const name = url.split('/')[2];
      expect(res.status, url).toBe(422);
      expect(res.text(), url).toMatch(/^MP4_LIMIT: /);
      expect(res.text(), url).toContain(HOSTILE[name].names);
    }
    expect(healthz.length).toBeGreaterThan(0);
    expect(healthz.every((status) => status === 200)).toBe(true);
    expect((await daemon.healthz()).status).toBe('ok');

    const cached = filesUnder(daemon.cacheDir).map((file) => path.relative(daemon.cacheDir, file));
    expect(cached.filter((file) => Object.keys(HOSTILE).some((name) => file.includes(name)) || file.startsWith('.tmp'))).toEqual([]);
    const db = new Database(path.join(daemon.stateDir, 'casterpak.db'), { readonly: true });
    try {
      for (const name of Object.keys(HOSTILE)) {
        expect(db.prepare('SELECT count(*) AS n FROM packages WHERE source_path = ?').get(name)).toEqual({ n: 0 });
        expect(db.prepare('SELECT count(*) AS n FROM cache_files WHERE path LIKE ?').get(`i/${name}/%`)).toEqual({ n: 0 });
      }
    } finally {
      db.close();
    }
    expect(statusBytes(daemon.pid()!, 'VmHWM')).toBeLessThan(MAX_DAEMON_RSS_BYTES);
  });

  it('packages the normal corpus with no cached file larger than twice its source plus 1 MiB', async () => {
    for (const name of Object.keys(GOOD_MEDIA)) {
      const playlist = await daemon.get(`/i/${encodeURIComponent(name)}/index_0_av.m3u8`);
      expect(playlist.status, name).toBe(200);
      for (const { uri } of playlistSegments(playlist.text())) {
        expect((await daemon.get(`/i/${encodeURIComponent(name)}/${uri}`)).status, `${name} ${uri}`).toBe(200);
      }
      const sourceBytes = statSync(path.join(daemon.mediaRoot, name)).size;
      const files = filesUnder(path.join(daemon.cacheDir, 'i', name));
      expect(files.length, name).toBeGreaterThan(1);
      for (const file of files) expect(statSync(file).size, file).toBeLessThanOrEqual(2 * sourceBytes + 1024 * 1024);
    }
  });
});
