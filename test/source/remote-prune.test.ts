// prune with a remote media_root: a package whose object changed or went at the origin is evicted; an unreachable origin evicts nothing.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { startHttpOrigin, type HttpOrigin } from '../helpers/http-origin.js';
import { inProcessDaemon } from '../helpers/in-process.js';

const run = promisify(execFile);
let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-remote-prune-'));
  clip = path.join(dir, 'clip.source');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=25', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-f', 'mp4', clip]);
}, 120_000);
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function packagedSet(): Promise<{ origin: HttpOrigin; daemon: ReturnType<typeof inProcessDaemon> }> {
  const media = await fs.mkdtemp(path.join(dir, 'media-'));
  for (const name of ['kept.mp4', 'changed.mp4', 'gone.mp4']) await fs.copyFile(clip, path.join(media, name));
  const origin = await startHttpOrigin(media);
  const daemon = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: 2, prune: { ttl: '30d' } });
  for (const name of ['kept.mp4', 'changed.mp4', 'gone.mp4']) expect((await daemon.request(`/i/${name}/index_0_av.m3u8`)).status).toBe(200);
  await fs.writeFile(path.join(media, 'changed.mp4'), 'a re-encoded object of another size');
  await fs.rm(path.join(media, 'gone.mp4'));
  return { origin, daemon };
}

describe('prune with an HTTP origin as media_root', () => {
  it('evicts the packages whose object changed or is gone at the origin, and keeps the others', async () => {
    const { origin, daemon } = await packagedSet();
    try {
      const report = await runPrune(daemon.config, {}, daemon.store);
      expect(report.evicted.files.map((e) => [e.path, e.reason]).sort()).toEqual([
        ['i/changed.mp4/index_0_av.m3u8', 'source-changed'],
        ['i/gone.mp4/index_0_av.m3u8', 'source-missing'],
      ]);
      expect(daemon.store.packageBySource('kept.mp4')).toBeDefined();
    } finally {
      await daemon.filler.parsePool?.close();
      await daemon.filler.source.close();
      await origin.stop();
    }
  }, 60_000);

  it('removes the moov cache files nobody used within the TTL, and keeps the others', async () => {
    const { origin, daemon } = await packagedSet();
    try {
      const dir = path.join(daemon.config.stateDir, 'moov-cache');
      const files = (await fs.readdir(dir)).sort();
      expect(files).toHaveLength(3);
      const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
      await fs.utimes(path.join(dir, files[0]), longAgo, longAgo);
      await runPrune(daemon.config, { dryRun: true }, daemon.store);
      expect(await fs.readdir(dir)).toHaveLength(3);
      await runPrune(daemon.config, {}, daemon.store);
      expect((await fs.readdir(dir)).sort()).toEqual(files.slice(1));
    } finally {
      await daemon.filler.parsePool?.close();
      await daemon.filler.source.close();
      await origin.stop();
    }
  }, 60_000);

  it('evicts nothing for its sources while the origin does not answer', async () => {
    const { origin, daemon } = await packagedSet();
    try {
      await origin.stop();
      const report = await runPrune(daemon.config, {}, daemon.store);
      expect(report.evicted.files).toEqual([]);
      expect(daemon.store.packageBySource('gone.mp4')).toBeDefined();
    } finally {
      await daemon.filler.parsePool?.close();
      await daemon.filler.source.close();
    }
  }, 60_000);
});
