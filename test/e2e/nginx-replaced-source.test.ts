// Through Debian's nginx: a source replaced by rename while a segment of the old file is being packaged.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { makeClip } from '../helpers/clip.js';
import { request } from '../helpers/http.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
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
