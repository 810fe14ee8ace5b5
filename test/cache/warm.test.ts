import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheFiller } from '../../daemon/cache/filler.js';
import { invalidateRendition } from '../../daemon/cache/invalidate.js';
import { warmRendition } from '../../daemon/cache/warm.js';
import { validateConfig } from '../../daemon/config.js';
import { silentLogger } from '../../daemon/log.js';
import { createPackager } from '../../daemon/packagers/index.js';
import { Store } from '../../daemon/store/store.js';
import { makeClip } from '../helpers/clip.js';

function setUp(packager: 'builtin' | 'ffmpeg') {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-warm-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  const config = validateConfig({ ...dirs, packager, segment_duration: 2 });
  makeClip(path.join(config.mediaRoot, 'clip.mp4'), { durationSec: 5 });
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log: silentLogger });
  const deps = { filler, store, urlPrefix: config.urlPrefix, concurrency: 2 };
  const cached = () => readdirSync(path.join(config.cacheDir, 'i', 'clip.mp4')).sort();
  return { config, store, filler, deps, cached };
}

describe('warming a rendition', () => {
  it('with the builtin packager, writes the playlist and muxes each segment once, and only the missing ones on the next run', async () => {
    const { deps, filler, cached, config } = setUp('builtin');
    const progress: string[] = [];
    const first = await warmRendition(deps, 'clip.mp4', (done, total) => progress.push(`${done}/${total}`));
    expect(first.files).toBe(4);
    expect(first.packaged).toBe(4);
    expect(first.packagedBytes).toBeGreaterThan(0);
    expect(cached()).toEqual(['index_0_av.m3u8', 'segment1_0_av.ts', 'segment2_0_av.ts', 'segment3_0_av.ts']);
    // One run per file: the playlist from the plan alone, then each segment on its own.
    expect(filler.recentMisses.list().map((m) => m.cachePath).sort()).toEqual(['index_0_av.m3u8', 'segment1_0_av.ts', 'segment2_0_av.ts', 'segment3_0_av.ts'].map((f) => `i/clip.mp4/${f}`));
    expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(filler.stats.packagerRuns).toBe(4);

    rmSync(path.join(config.cacheDir, 'i', 'clip.mp4', 'segment2_0_av.ts'));
    const second = await warmRendition(deps, 'clip.mp4');
    expect(second).toMatchObject({ files: 4, packaged: 1 });
    expect(filler.stats.packagerRuns).toBe(5);
    expect(filler.recentMisses.list()[0].cachePath).toBe('i/clip.mp4/segment2_0_av.ts');
  });

  it('with a whole-rendition packager, packages once and finds every segment in place', async () => {
    const { deps, filler, cached, store, config } = setUp('ffmpeg');
    const warmed = await warmRendition(deps, 'clip.mp4');
    expect(warmed).toMatchObject({ files: 4, packaged: 4 });
    expect(filler.stats.packagerRuns).toBe(1);
    expect(cached()).toHaveLength(4);

    const dropped = await invalidateRendition({ store, cacheDir: config.cacheDir, urlPrefix: config.urlPrefix }, 'clip.mp4');
    expect(dropped).toMatchObject({ files: 4, rows: 4, packages: 1 });
    expect(store.counts()).toEqual({ packages: 0, files: 0, bytes: 0 });
    const again = await warmRendition(deps, 'clip.mp4');
    expect(again).toMatchObject({ files: 4, packaged: 4 });
    expect(filler.stats.packagerRuns).toBe(2);
  });

  it('fails with the reason for a source that is missing', async () => {
    const { deps } = setUp('builtin');
    await expect(warmRendition(deps, 'absent.mp4')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
