import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CacheFiller } from '../../daemon/cache/filler.js';
import { invalidateRendition } from '../../daemon/cache/invalidate.js';
import { warmRendition } from '../../daemon/cache/warm.js';
import { validateConfig } from '../../daemon/config.js';
import { silentLogger } from '../../daemon/log.js';
import { createPackager } from '../../daemon/packagers/index.js';
import { Store } from '../../daemon/store/store.js';
import { makeMultiAudioClip } from '../helpers/multi-audio.js';

const top = mkdtempSync(path.join(tmpdir(), 'casterpak-warm-audio-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));

it('warms the video alone and each audio track of a rendition with two, in MPEG-TS and CMAF, and invalidate drops them all', async () => {
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  const config = validateConfig({ ...dirs, segment_duration: 2 });
  makeMultiAudioClip(path.join(config.mediaRoot, 'talk.mp4'), [{ language: 'eng', toneHz: 300 }, { language: 'fra', toneHz: 600 }], 4);
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log: silentLogger });
  try {
    const warmed = await warmRendition({ filler, store, urlPrefix: config.urlPrefix, concurrency: 2, cmaf: true }, 'talk.mp4');
    const dir = path.join(config.cacheDir, 'i', 'talk.mp4');
    const ts = readdirSync(dir).filter((name) => name !== 'cmaf').sort();
    expect(ts).toEqual(['index_0_av.m3u8', 'index_0_v.m3u8', 'index_1_a.m3u8', 'index_2_a.m3u8', ...['0_av', '0_v', '1_a', '2_a'].flatMap((t) => [1, 2].map((n) => `segment${n}_${t}.ts`))].sort());
    const cmaf = readdirSync(path.join(dir, 'cmaf')).sort();
    for (const track of ['video', 'audio', 'audio1', 'audio2']) expect(cmaf).toEqual(expect.arrayContaining([`${track}.m3u8`, `${track}_init.mp4`, `${track}_1.m4s`, `${track}_2.m4s`]));
    expect(cmaf).not.toContain('audio3.m3u8');
    expect(warmed.files).toBe(ts.length + cmaf.length);
    expect(store.filesOfPackage(store.packageBySource('talk.mp4')!.id).length).toBe(ts.length + cmaf.length);
    await invalidateRendition({ store, cacheDir: config.cacheDir, urlPrefix: config.urlPrefix }, 'talk.mp4');
    expect(store.packageBySource('talk.mp4')).toBeUndefined();
    expect(readdirSync(dir).filter((name) => name !== 'cmaf')).toEqual([]);
  } finally {
    await filler.parsePool?.close();
    store.close();
  }
}, 60_000);
