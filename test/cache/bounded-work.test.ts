// How much work a request may cause: filtered masters from the moovs and plans in memory, a cached master whose source went, and the I-frame deadline.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheFiller } from '../../daemon/cache/filler.js';
import { validateConfig, type Config } from '../../daemon/config.js';
import { createApp } from '../../daemon/http/app.js';
import { silentLogger } from '../../daemon/log.js';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { openFileReader } from '../../daemon/source/file-reader.js';
import { Store } from '../../daemon/store/store.js';
import { makeClip } from '../helpers/clip.js';
import { parseMaster } from '../helpers/m3u8.js';
import { sleep } from '../helpers/processes.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'casterpak-bounded-'));

interface Harness {
  readonly config: Config;
  readonly store: Store;
  /** Sources the packager made a reader for (a parse, or a segment's reads), in order. */
  readonly opened: string[];
  /** Each read waits this long first (0: not at all). */
  openDelayMs: number;
  get(url: string): Promise<Response>;
}

/** A builtin daemon in this process whose packager opens sources through a reader that counts (and can delay) opens. */
function harness(name: string, extra: Record<string, unknown> = {}): Harness {
  const dirs = { media_root: path.join(root, 'media'), cache_dir: path.join(root, name, 'cache'), state_dir: path.join(root, name, 'state') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const config = validateConfig({ ...dirs, mode: 'standalone', segment_duration: 2, ...extra });
  const store = Store.open(config.stateDir);
  const h: Harness = {
    config,
    store,
    opened: [],
    openDelayMs: 0,
    get: async (url) => app.request(url),
  };
  const packager = createBuiltinPackager({
    segmentDurationSec: config.segmentDurationSec,
    // Parses in this process through a reader that counts (and can delay) the sources it is made for.
    wrapReader: (reader, src) => {
      h.opened.push(path.basename(src.absPath));
      return {
        ...reader,
        read: async (offset, length, target) => {
          if (h.openDelayMs > 0) await sleep(h.openDelayMs);
          return reader.read(offset, length, target);
        },
      };
    },
  });
  const filler = new CacheFiller({ config, store, packager, log: silentLogger });
  const { app } = createApp({ config, store, filler, log: silentLogger });
  return h;
}

beforeAll(() => {
  makeClip(path.join(root, 'media', 'low.mp4'), { durationSec: 6, size: '320x180', gopFrames: 25 });
  makeClip(path.join(root, 'media', 'high.mp4'), { durationSec: 6, size: '640x360', gopFrames: 25 });
  makeClip(path.join(root, 'media', 'long.mp4'), { durationSec: 12, gopFrames: 25 });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('filtered masters', () => {
  it('come from the moovs and plans in memory: asking again opens no source', async () => {
    const h = harness('filtered');
    const url = '/i/,low,high,.mp4.csmil/master.m3u8?b=0-100000';
    const first = await h.get(url);
    expect(first.status, await first.clone().text()).toBe(200);
    expect(first.headers.get('cache-control')).toBe('public, max-age=60');
    expect(parseMaster(await first.text()).variants).toHaveLength(2);
    expect(h.opened.sort()).toEqual(['high.mp4', 'low.mp4']);
    h.opened.length = 0;
    for (let i = 0; i < 3; i++) expect((await h.get(url)).status).toBe(200);
    expect((await h.get('/i/,low,high,.mp4.csmil/master.m3u8')).status).toBe(200);
    expect(h.opened).toEqual([]);
    h.store.close();
  });

  it('naming a missing file leaves the master out of the cache in standalone mode too', async () => {
    const h = harness('standalone-missing');
    const url = '/i/,low,gone,.mp4.csmil/master.m3u8';
    const res = await h.get(url);
    expect(res.status).toBe(200);
    expect(parseMaster(await res.text()).variants.map((v) => v.uri)).toEqual(['../low.mp4/index_0_av.m3u8']);
    expect(existsSync(path.join(h.config.cacheDir, url.slice(1)))).toBe(false);
    expect(h.store.fileByPath(url.slice(1))).toBeUndefined();
    expect(h.store.membersOfMaster(url.slice(1))).toEqual([]);
    h.store.close();
  });
});

describe('a cached master whose source has gone', () => {
  it('is deleted when a request for it reaches the daemon, and the master is answered uncached without that rendition', async () => {
    const h = harness('master-source-gone');
    copyFileSync(path.join(root, 'media', 'high.mp4'), path.join(root, 'media', 'later.mp4'));
    const url = '/i/,low,later,.mp4.csmil/master.m3u8';
    const cached = path.join(h.config.cacheDir, url.slice(1));
    const first = await h.get(url);
    expect(first.status).toBe(200);
    expect(parseMaster(await first.text()).variants).toHaveLength(2);
    expect(existsSync(cached)).toBe(true);
    expect(h.store.fileByPath(url.slice(1))?.kind).toBe('master');

    rmSync(path.join(root, 'media', 'later.mp4'));
    const again = await h.get(url);
    expect(again.status).toBe(200);
    expect(again.headers.get('cache-control')).toBe('public, max-age=60');
    expect(parseMaster(await again.text()).variants.map((v) => v.uri)).toEqual(['../low.mp4/index_0_av.m3u8']);
    expect(existsSync(cached)).toBe(false);
    // Its row goes too, as for a master never cached: the cache figures count no file that is not there.
    expect(h.store.fileByPath(url.slice(1))).toBeUndefined();
    expect(h.store.membersOfMaster(url.slice(1))).toEqual([]);
    h.store.close();
  });
});

describe('the I-frame playlist deadline', () => {
  it('answers 504 once packaging_timeout has passed over the whole playlist, though each segment took less', async () => {
    const h = harness('deadline', { packaging_timeout: '1s' });
    expect((await h.get('/i/long.mp4/index_0_av.m3u8')).status).toBe(200);
    // Six segments, each read in one go once the plan is in memory: about 1.8 s in all, 0.3 s each.
    h.openDelayMs = 300;
    const res = await h.get('/i/long.mp4/iframes_0_v.m3u8');
    expect(res.status).toBe(504);
    expect(await res.text()).toMatch(/^PACKAGER_TIMEOUT: building the I-frame playlist took longer than packaging_timeout \(1s\)/);
    expect(existsSync(path.join(h.config.cacheDir, 'i/long.mp4/iframes_0_v.m3u8'))).toBe(false);
    h.openDelayMs = 0;
    expect((await h.get('/i/long.mp4/iframes_0_v.m3u8')).status).toBe(200);
    h.store.close();
  });
});
