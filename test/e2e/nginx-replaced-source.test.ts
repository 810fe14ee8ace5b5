// Through Debian's nginx: a source replaced by rename while a segment of the old file is being packaged, and one replaced between requests that prune notices.

import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRUNE_EXIT } from '../../daemon/cli/commands/prune.js';
import { runPrune, type PruneReport } from '../../daemon/prune/run-prune.js';
import { cacheStatus } from '../../daemon/status/cache-status.js';
import { makeClip } from '../helpers/clip.js';
import { request } from '../helpers/http.js';
import { CLI_MAIN, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { playlistSegments } from '../helpers/media.js';
import { waitFor } from '../helpers/processes.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';

const SEGMENT = '/i/clip.mp4/segment2_0_av.ts';
const SEGMENT_REL = 'i/clip.mp4/segment2_0_av.ts';

describe('a source replaced by rename while nginx waits for a segment of the old file', () => {
  let served: ListeningDaemon | undefined;
  let nginx: RunningNginx | undefined;

  afterAll(async () => {
    await nginx?.stop();
    await served?.stop();
  });

  it('nginx never serves the old segment with the new playlist, and every cached copy of it is the new encode\'s', async () => {
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const open = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const beforePublish = async (cachePath: string) => {
      if (cachePath !== SEGMENT_REL || held) return;
      held = true;
      reached();
      await open;
    };
    served = await startListeningDaemon({ mode: 'nginx', packager: 'builtin', segment_duration: 2 }, { beforePublish });
    nginx = await startNginx({ config: served.configForNginx });
    const get = (p: string) => request({ port: nginx!.port, path: p });
    const scratch = mkdtempSync(path.join(tmpdir(), 'casterpak-versions-'));
    const v1 = makeClip(path.join(scratch, 'v1.mp4'), { durationSec: 6, toneHz: 440 });
    const v2 = makeClip(path.join(scratch, 'v2.mp4'), { durationSec: 8, toneHz: 880 });
    const source = path.join(served.mediaRoot, 'clip.mp4');
    copyFileSync(v1, source);

    const inFlight = get(SEGMENT);
    await atGate;
    const staging = path.join(served.mediaRoot, '.clip.mp4.part');
    copyFileSync(v2, staging);
    utimesSync(staging, new Date(), new Date(Date.now() + 60_000));
    renameSync(staging, source);
    const playlist = await get('/i/clip.mp4/index_0_av.m3u8');
    expect(playlist.status).toBe(200);
    expect(playlist.text().match(/segment\d+_0_av\.ts/g)).toHaveLength(4);

    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const cacheFile = path.join(served.config.cacheDir, ...SEGMENT_REL.split('/'));
    expect(answer.body.equals(readFileSync(cacheFile))).toBe(true);
    // A hit now: nginx alone, the same bytes, and a lifetime a re-encode in place can live with.
    const hit = await get(SEGMENT);
    expect(hit.body.equals(answer.body)).toBe(true);
    expect(hit.all('cache-control')).toEqual(['public, max-age=60']);

    // The bytes are version 2's: a fresh daemon over version 2 alone makes the same segment.
    const fresh = await startListeningDaemon({ packager: 'builtin', segment_duration: 2 });
    try {
      copyFileSync(v2, path.join(fresh.mediaRoot, 'clip.mp4'));
      const reference = Buffer.from(await (await fetch(`${fresh.baseUrl}${SEGMENT}`)).arrayBuffer());
      expect(hit.body.equals(reference)).toBe(true);
    } finally {
      await fresh.stop();
    }
    const pkg = served.daemon.store.packageBySource('clip.mp4')!;
    expect(served.daemon.store.fileByPath(SEGMENT_REL)?.package_id).toBe(pkg.id);
    const report = await runPrune(served.config, { dryRun: true }, served.daemon.store);
    expect(report.reconciled.adopted).toEqual([]);
    expect(existsSync(cacheFile)).toBe(true);
  });
});

/** `casterpakd prune --json` in its own process, as cron runs it: its exit code and report. */
function pruneProcess(daemon: RunningDaemon): Promise<{ code: number; report: PruneReport }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_MAIN, 'prune', '--json', '--config', daemon.configPath], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      try {
        resolve({ code, report: JSON.parse(stdout) as PruneReport });
      } catch {
        reject(err ?? new Error(`prune printed no report: ${stdout}`));
      }
    });
  });
}

/** A rendition's playlist and every segment it lists, fetched from `port`. */
async function fetchRendition(port: number, base: string): Promise<{ playlist: string; segments: Map<string, Buffer> }> {
  const playlist = await request({ port, path: `${base}/index_0_av.m3u8` });
  expect(playlist.status, playlist.text()).toBe(200);
  const segments = new Map<string, Buffer>();
  for (const { uri } of playlistSegments(playlist.text())) {
    const segment = await request({ port, path: `${base}/${uri}` });
    expect(segment.status, uri).toBe(200);
    segments.set(uri, segment.body);
  }
  return { playlist: playlist.text(), segments };
}

describe.each(['builtin', 'ffmpeg'] as const)('a source replaced in place behind nginx, between requests (%s)', (packager) => {
  let daemon: RunningDaemon | undefined;
  let nginx: RunningNginx | undefined;

  afterAll(async () => {
    await nginx?.stop();
    await daemon?.dispose();
  });

  it('is served from the old package until casterpakd prune evicts it as source-changed, then packaged anew from the new file', async () => {
    daemon = await startDaemon({ packager, segmentDurationSec: 2 });
    nginx = await startNginx({ config: daemon.config });
    const scratch = mkdtempSync(path.join(tmpdir(), 'casterpak-versions-'));
    const v1 = makeClip(path.join(scratch, 'v1.mp4'), { durationSec: 6, toneHz: 440 });
    const v2 = makeClip(path.join(scratch, 'v2.mp4'), { durationSec: 8, toneHz: 880 });
    const source = path.join(daemon.mediaRoot, 'clip.mp4');
    copyFileSync(v1, source);
    const old = await fetchRendition(nginx.port, '/i/clip.mp4');
    expect(old.segments.size).toBe(3);

    // The encoder writes version 2 beside the old file and renames it over (another size, a later mtime).
    const staging = path.join(daemon.mediaRoot, '.clip.mp4.part');
    copyFileSync(v2, staging);
    utimesSync(staging, new Date(), new Date(Date.now() + 60_000));
    renameSync(staging, source);
    // Until prune runs, every URL of the rendition is a cache hit that nginx answers without the daemon.
    expect((await request({ port: nginx.port, path: '/i/clip.mp4/index_0_av.m3u8' })).text()).toBe(old.playlist);

    // Prune as cron runs it, once the tailer has read the hits (so the TTL is applied and the exit code is 0).
    await waitFor('the tailer to read the access log', async () => ((await cacheStatus(daemon!.config)).tailer?.bytesBehind === 0 ? true : undefined), 30_000);
    const { code, report } = await pruneProcess(daemon);
    expect(code).toBe(PRUNE_EXIT.ok);
    const cached = ['index_0_av.m3u8', ...old.segments.keys()].map((name) => `i/clip.mp4/${name}`).sort();
    expect(report.evicted.files.map((f) => f.path).sort()).toEqual(cached);
    expect(new Set(report.evicted.files.map((f) => f.reason))).toEqual(new Set(['source-changed']));
    // Nothing of version 1 is left for nginx to find: the rendition's folder went with its files.
    expect(existsSync(path.join(daemon.cacheDir, 'i', 'clip.mp4'))).toBe(false);

    // The next request is a miss again: version 2's package, 8 s in four segments.
    const fresh = await fetchRendition(nginx.port, '/i/clip.mp4');
    expect(fresh.segments.size).toBe(4);
    const reference = await startListeningDaemon({ packager, segment_duration: 2 });
    try {
      copyFileSync(v2, path.join(reference.mediaRoot, 'clip.mp4'));
      const expected = await fetchRendition(Number(new URL(reference.baseUrl).port), '/i/clip.mp4');
      expect(fresh.playlist).toBe(expected.playlist);
      for (const [uri, bytes] of fresh.segments) expect(bytes.equals(expected.segments.get(uri)!), uri).toBe(true);
    } finally {
      await reference.stop();
    }
  }, 120_000);
});
