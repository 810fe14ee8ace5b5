// `casterpakd warm --cmaf`: the CMAF files of a rendition made ahead of demand, through the same filler as misses.

import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheFiller } from '../../daemon/cache/filler.js';
import { warmRendition } from '../../daemon/cache/warm.js';
import { sourceRelOf } from '../../daemon/cli/rendition-args.js';
import { validateConfig } from '../../daemon/config.js';
import { silentLogger } from '../../daemon/log.js';
import { createPackager } from '../../daemon/packagers/index.js';
import { Store } from '../../daemon/store/store.js';
import { makeClip } from '../helpers/clip.js';

function setUp() {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-cmaf-warm-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  const config = validateConfig({ ...dirs, segment_duration: 2 });
  makeClip(path.join(config.mediaRoot, 'clip.mp4'), { durationSec: 5 });
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log: silentLogger });
  return { config, store, filler };
}

describe('warming CMAF files', () => {
  it('makes the CMAF master, MPD, playlists, init segments and every media segment of both tracks, once', async () => {
    const { config, store, filler } = setUp();
    const deps = { filler, store, urlPrefix: config.urlPrefix, concurrency: 2, cmaf: true };
    const first = await warmRendition(deps, 'clip.mp4');
    // 4 MPEG-TS files, then master + MPD + (playlist + init + 3 segments) per track.
    expect(first.files).toBe(4 + 2 + 2 * 5);
    expect(readdirSync(path.join(config.cacheDir, 'i/clip.mp4/cmaf')).sort()).toEqual([
      'audio.m3u8', 'audio_1.m4s', 'audio_2.m4s', 'audio_3.m4s', 'audio_init.mp4',
      'manifest.mpd', 'master.m3u8',
      'video.m3u8', 'video_1.m4s', 'video_2.m4s', 'video_3.m4s', 'video_init.mp4',
    ]);
    const runs = filler.stats.packagerRuns;
    const second = await warmRendition(deps, 'clip.mp4');
    expect(second.packaged).toBe(0);
    expect(filler.stats.packagerRuns).toBe(runs);
  });

  it('takes a CMAF URL as the name of its rendition', async () => {
    const { config } = setUp();
    expect(await sourceRelOf('/i/clip.mp4/cmaf/video_2.m4s', config)).toBe('clip.mp4');
    expect(await sourceRelOf('/i/clip.mp4/cmaf/manifest.mpd', config)).toBe('clip.mp4');
  });
});
