// `casterpakd warm --subtitles`: a rendition's subtitle files made ahead of demand, through the same filler as misses.

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
import { makeSubtitledClip } from '../helpers/subtitled-clip.js';

describe('warming subtitle files', () => {
  it('makes the master and, for each subtitle track it lists, the playlist, every segment and the whole track, once', async () => {
    const top = mkdtempSync(path.join(tmpdir(), 'casterpak-subs-warm-'));
    const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
    Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
    const config = validateConfig({ ...dirs, segment_duration: 2 });
    makeSubtitledClip(config.mediaRoot, 'clip');
    const store = Store.open(config.stateDir);
    const filler = new CacheFiller({ config, store, packager: createPackager(config), log: silentLogger });
    const deps = { filler, store, urlPrefix: config.urlPrefix, concurrency: 2, subtitles: true };
    const first = await warmRendition(deps, 'clip.mp4');
    // 4 MPEG-TS files, the master, then (playlist + 3 segments + whole track) for each of the 3 tracks.
    expect(first.files).toBe(4 + 1 + 3 * 5);
    const names = readdirSync(path.join(config.cacheDir, 'i/clip.mp4')).filter((n) => n.startsWith('subs_'));
    expect(names.sort()).toEqual(['en', 'fr', 'track3'].flatMap((key) => [`subs_${key}.m3u8`, `subs_${key}.vtt`, `subs_${key}_1.vtt`, `subs_${key}_2.vtt`, `subs_${key}_3.vtt`]).sort());
    const runs = filler.stats.packagerRuns;
    const second = await warmRendition(deps, 'clip.mp4');
    expect(second.packaged).toBe(0);
    expect(filler.stats.packagerRuns).toBe(runs);
    expect(await sourceRelOf('/i/clip.mp4/subs_en_2.vtt', config)).toBe('clip.mp4');
  });
});
