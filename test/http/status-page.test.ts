import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordPruneRun } from '../../daemon/store/operator-queries.js';
import { DB_FILE_NAME } from '../../daemon/store/store.js';
import { artifactPath, launchChromium, openPage } from '../helpers/browser.js';
import { makeClip } from '../helpers/clip.js';
import { THREE_LANGUAGES, makeMultiAudioClip } from '../helpers/multi-audio.js';
import { inProcessDaemon } from '../helpers/in-process.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';

describe('the status page, server side', () => {
  it('escapes every name it shows and forbids inline scripts', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', segment_duration: 2 });
    const hostile = `<img src=x onerror="alert(1)">'&.mp4`;
    makeClip(path.join(daemon.mediaRoot, hostile), { durationSec: 3 });
    const playlist = `/i/${encodeURIComponent(hostile)}/index_0_av.m3u8`;
    expect((await daemon.request(playlist)).status).toBe(200);
    const response = await daemon.request('/_casterpak/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await response.text();
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#39;&#38;.mp4');
    // Only the two script elements the page loads from the daemon, none inline.
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(page).toContain('<script src="/_casterpak/hls.min.js"></script>');
  });

  it("plays from the daemon itself in nginx mode, where the public route answers with X-Accel-Redirect", async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', segment_duration: 2, mode: 'nginx' });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 3 });
    const redirected = await daemon.request('/i/clip.mp4/index_0_av.m3u8');
    expect(redirected.headers.get('x-accel-redirect')).toBe('/casterpak-internal/i/clip.mp4/index_0_av.m3u8');
    expect(await redirected.text()).toBe('');
    const preview = await daemon.request('/_casterpak/play/i/clip.mp4/index_0_av.m3u8');
    expect(preview.status).toBe(200);
    expect(preview.headers.get('x-accel-redirect')).toBeNull();
    expect(await preview.text()).toMatch(/^#EXTM3U\n[\s\S]*segment1_0_av\.ts\n[\s\S]*#EXT-X-ENDLIST\n$/);
    const segment = await daemon.request('/_casterpak/play/i/clip.mp4/segment1_0_av.ts');
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    expect(new Uint8Array(await segment.arrayBuffer())[0]).toBe(0x47);
    expect((await daemon.request('/_casterpak/play/i/a%5Cb.mp4/index_0_av.m3u8')).status).toBe(400);
    const old = await daemon.request('/_casterpak/player?src=%2Fi%2Fclip.mp4%2Findex_0_av.m3u8');
    expect(old.status).toBe(302);
    expect(old.headers.get('location')).toBe('/_casterpak/?play=%2Fi%2Fclip.mp4%2Findex_0_av.m3u8#player');
  });

  it('serves hls.js from the installed package, not from elsewhere', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg' });
    const response = await daemon.request('/_casterpak/hls.min.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    const script = await response.text();
    expect(script.length).toBeGreaterThan(100_000);
    expect(script).toContain('Hls');
  });
});

interface SqliteView {
  bytes: number;
  files: number;
  packages: number;
  hits: number;
  misses: number;
  top: { source: string; hits: number }[];
}

/** The numbers as SQLite holds them, read over the test's own connection. */
function readSqlite(stateDir: string): SqliteView {
  const db = new Database(path.join(stateDir, DB_FILE_NAME), { readonly: true });
  try {
    const totals = db.prepare('SELECT coalesce(sum(bytes), 0) AS bytes, count(*) AS files FROM cache_files').get() as { bytes: number; files: number };
    const packages = (db.prepare('SELECT count(*) AS n FROM packages').get() as { n: number }).n;
    const counter = (name: string) => (db.prepare('SELECT value FROM tail_counters WHERE name = ?').get(name) as { value: number } | undefined)?.value ?? 0;
    const top = db
      .prepare('SELECT p.source_path AS source, sum(f.hits) AS hits FROM packages p JOIN cache_files f ON f.package_id = p.id GROUP BY p.id ORDER BY hits DESC')
      .all() as { source: string; hits: number }[];
    return { ...totals, packages, hits: counter('hits'), misses: counter('misses'), top };
  } finally {
    db.close();
  }
}

describe('the status page in Chromium', () => {
  let served: ListeningDaemon;
  let browser: Browser;

  beforeAll(async () => {
    served = await startListeningDaemon({ packager: 'ffmpeg', segment_duration: 2, prune: { max_size: '50MB' } });
    makeClip(path.join(served.mediaRoot, 'popular.mp4'), { durationSec: 5 });
    makeClip(path.join(served.mediaRoot, 'shows', 'rare one.mp4'), { durationSec: 4, toneHz: 660 });
    const get = (p: string) => fetch(`${served.baseUrl}${p}`).then((r) => r.arrayBuffer());
    // popular.mp4: playlist + 2 segments twice; rare one: its playlist once.
    for (let i = 0; i < 2; i += 1) {
      for (const file of ['index_0_av.m3u8', 'segment1_0_av.ts', 'segment2_0_av.ts']) await get(`/i/popular.mp4/${file}`);
    }
    await get('/i/shows/rare%20one.mp4/index_0_av.m3u8');
    recordPruneRun(served.daemon.store, { startedMs: Date.now() - 60_000, finishedMs: Date.now() - 59_000, dryRun: false, outcome: 'ok', filesEvicted: 2, bytesEvicted: 8192 });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('loads without console errors and shows the numbers SQLite holds', async () => {
    const sqlite = readSqlite(served.config.stateDir);
    const { page, errors } = await openPage(browser, `${served.baseUrl}/_casterpak/`);
    const value = async (id: string) => Number(await page.getAttribute(`#${id}`, 'data-value'));
    expect(await value('cache-bytes')).toBe(sqlite.bytes);
    expect(await value('cache-files')).toBe(sqlite.files);
    expect(await value('cache-packages')).toBe(sqlite.packages);
    expect(await value('hits')).toBe(sqlite.hits);
    expect(await value('misses')).toBe(sqlite.misses);
    expect(await value('hit-ratio')).toBeCloseTo(sqlite.hits / (sqlite.hits + sqlite.misses), 10);
    expect(await value('prune-evicted-bytes')).toBe(8192);
    expect(await value('prune-runs')).toBe(1);
    expect(await page.getAttribute('#cache-meter', 'max')).toBe(String(50_000_000));

    const rows = await page.$$eval('#top-renditions tbody tr', (trs) =>
      trs.map((tr) => ({ source: tr.querySelector('td a')?.textContent ?? '', hits: Number(tr.querySelector('td[data-value]')?.getAttribute('data-value')) })),
    );
    expect(rows).toEqual(sqlite.top);
    expect(rows[0].source).toBe('popular.mp4');

    const misses = await page.$$eval('#recent-misses tbody tr td.path', (tds) => tds.map((td) => td.textContent));
    expect(misses).toEqual(['i/shows/rare one.mp4/index_0_av.m3u8', 'i/popular.mp4/index_0_av.m3u8']);
    expect(errors).toEqual([]);
  });

  it('plays a rendition the operator types into the embedded player', async () => {
    const { page, errors } = await openPage(browser, `${served.baseUrl}/_casterpak/`);
    await page.fill('#play-path', 'popular.mp4');
    await page.click('#play-form button');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1.5, undefined, { timeout: 20_000 });
    const state = await page.evaluate(() => {
      const video = document.getElementById('video') as HTMLVideoElement;
      const player = (window as unknown as { casterpakPlayer: { errors: { fatal: boolean }[]; src: string } }).casterpakPlayer;
      return { src: player.src, fatal: player.errors.filter((e) => e.fatal), frames: video.getVideoPlaybackQuality().totalVideoFrames, url: location.search };
    });
    expect(state.src).toBe('/_casterpak/play/i/popular.mp4/master.m3u8');
    expect(state.fatal).toEqual([]);
    expect(state.frames).toBeGreaterThan(0);
    expect(state.url).toBe('?play=popular.mp4');
    await page.screenshot({ path: artifactPath('status-page.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('fits a phone screen and starts the player from a rendition link', async () => {
    const { page, errors } = await openPage(browser, `${served.baseUrl}/_casterpak/`, { viewport: { width: 390, height: 844 }, mobile: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.click('#top-renditions a[data-play="shows/rare one.mp4"]');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: 20_000 });
    expect(await page.inputValue('#play-path')).toBe('shows/rare one.mp4');
    await page.screenshot({ path: artifactPath('status-page-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

describe('the status page player and CMAF', () => {
  let cmafDaemon: ListeningDaemon;
  let cmafBrowser: Browser;

  beforeAll(async () => {
    cmafDaemon = await startListeningDaemon({ packager: 'builtin', segment_duration: 2 });
    makeClip(path.join(cmafDaemon.mediaRoot, 'clip.mp4'), { durationSec: 5 });
    makeMultiAudioClip(path.join(cmafDaemon.mediaRoot, 'talk.mp4'), THREE_LANGUAGES, 6);
    cmafBrowser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await cmafBrowser?.close();
    await cmafDaemon?.stop();
  });

  it('plays the CMAF presentation (fMP4 HLS) of a rendition the operator types, as the daemon serves it (builtin packager)', async () => {
    const { page, errors } = await openPage(cmafBrowser, `${cmafDaemon.baseUrl}/_casterpak/`);
    await page.fill('#play-path', 'clip.mp4/cmaf/master.m3u8');
    await page.click('#play-form button');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1.5, undefined, { timeout: 20_000 });
    const state = await page.evaluate(() => {
      const video = document.getElementById('video') as HTMLVideoElement;
      const player = (window as unknown as { casterpakPlayer: { errors: { fatal: boolean }[]; src: string } }).casterpakPlayer;
      return { src: player.src, fatal: player.errors.filter((e) => e.fatal), frames: video.getVideoPlaybackQuality().totalVideoFrames };
    });
    expect(state.src).toBe('/_casterpak/play/i/clip.mp4/cmaf/master.m3u8');
    expect(state.fatal).toEqual([]);
    expect(state.frames).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it.each(['talk.mp4/master.m3u8', 'talk.mp4/cmaf/master.m3u8'])('offers the audio renditions of %s in a menu and switches to the one chosen', async (typed) => {
    const { page, errors } = await openPage(cmafBrowser, `${cmafDaemon.baseUrl}/_casterpak/`);
    expect(await page.isHidden('#audio-choice')).toBe(true);
    await page.fill('#play-path', typed);
    await page.click('#play-form button');
    await page.waitForSelector('#audio-choice:not([hidden])', { timeout: 20_000 });
    const options = await page.$$eval('#audio-track option', (list) => list.map((o) => o.textContent));
    expect(options).toEqual(['English (en)', 'français (fr)', 'Deutsch (de)']);
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).currentTime > 1, undefined, { timeout: 20_000 });
    await page.selectOption('#audio-track', '2');
    await page.waitForFunction(() => (window as unknown as { casterpakPlayer: { hls: { audioTrack: number } } }).casterpakPlayer.hls.audioTrack === 2, undefined, { timeout: 20_000 });
    const fatal = await page.evaluate(() => (window as unknown as { casterpakPlayer: { errors: { fatal: boolean }[] } }).casterpakPlayer.errors.filter((e) => e.fatal));
    expect(fatal).toEqual([]);
    expect(errors).toEqual([]);
  });
});
