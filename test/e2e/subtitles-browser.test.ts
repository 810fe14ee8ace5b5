// hls.js (MPEG-TS and fMP4 HLS), Shaka Player and dash.js (DASH) in Chromium, through nginx: subtitle tracks listed, switched while playing, cues at the right times.

import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import type { PlayerName } from '../helpers/cmaf-players.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { descendants, mpdProblems, parseXmlInBrowser } from '../helpers/mpd-check.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { expectCues, playSubtitles } from '../helpers/subtitle-players.js';
import { ENGLISH_CUES, FRENCH_CUES, makeSubtitledClip } from '../helpers/subtitled-clip.js';

let browser: Browser;
let daemon: ListeningDaemon;
let nginx: RunningNginx;

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2, mode: 'nginx' });
  makeSubtitledClip(daemon.mediaRoot, 'clip');
  nginx = await startNginx({ config: daemon.configForNginx });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await daemon?.stop();
});

const CASES: Array<[PlayerName, string]> = [
  ['hls.js', 'master.m3u8'],
  ['hls.js', 'cmaf/master.m3u8'],
  ['shaka', 'cmaf/manifest.mpd'],
  ['dash.js', 'cmaf/manifest.mpd'],
];

describe('subtitles in the players', () => {
  it.each(CASES)('%s lists the subtitle languages of %s, switches from English to French while playing, and shows cues at their times', async (player, file) => {
    const run = await playSubtitles(browser, player, `${nginx.baseUrl}/i/clip.mp4/${file}`, { first: 'en', second: 'fr', switchAtSec: 2.7 });
    // Non-fatal notices tolerated: hls.js skipping the first few ms gap (see cmaf-browser.test.ts), and
    // reporting the subtitle segment request it aborts when the track is switched while it loads.
    expect(run.errors.filter((e) => !/^mediaError bufferSeekOverHole|^networkError aborted$/.test(e))).toEqual([]);
    expect(run.listed.map((t) => t.language).sort()).toEqual(['de', 'en', 'fr']);
    expect(run.listed.find((t) => t.language === 'fr')?.label).toBe('French');
    expect(run.ended).toBe(true);
    // English up to the switch, French after it.
    expectCues(run.firstCues, ENGLISH_CUES.filter((c) => c.startSec < 2));
    expectCues(run.secondCues, FRENCH_CUES.filter((c) => c.startSec > run.switchedAtSec - 1));
  }, 120_000);
});

describe('subtitle files behind nginx', () => {
  it('the MPD with text AdaptationSets keeps the structure of the DASH schema, and each text BaseURL is served as text/vtt', async () => {
    const mpdUrl = `${nginx.baseUrl}/i/clip.mp4/cmaf/manifest.mpd`;
    const mpd = await (await fetch(mpdUrl)).text();
    const root = await parseXmlInBrowser(browser, mpd);
    expect(mpdProblems(root)).toEqual([]);
    const texts = descendants(root, 'AdaptationSet').filter((set) => set.attrs.contentType === 'text');
    expect(texts.map((set) => [set.attrs.lang, set.attrs.mimeType])).toEqual([['en', 'text/vtt'], ['fr', 'text/vtt'], ['de', 'text/vtt']]);
    const baseUrls = [...mpd.matchAll(/<BaseURL>([^<]+)<\/BaseURL>/g)].map((m) => m[1]);
    expect(baseUrls).toEqual(['../subs_en.vtt', '../subs_fr.vtt', '../subs_track3.vtt']);
    for (const uri of baseUrls) {
      const response = await fetch(new URL(uri, mpdUrl));
      expect(response.status, uri).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/vtt');
      expect(await response.text()).toMatch(/^WEBVTT\n\n00:00:0/);
    }
  });

  it('are served by nginx itself on a hit, as text/vtt with the drop-in cache lifetime, and counted from the access log', async () => {
    // Two hits at least (the players above may have fetched it too); the miss that made it is not a hit.
    const url = `${nginx.baseUrl}/i/clip.mp4/subs_en_2.vtt`;
    expect((await fetch(url)).status).toBe(200);
    const missesBefore = daemon.daemon.filler.stats.misses;
    const hit = await fetch(url);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('text/vtt');
    expect(hit.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await hit.text()).toContain('Across the cut');
    expect((await fetch(url)).status).toBe(200);
    expect(daemon.daemon.filler.stats.misses).toBe(missesBefore);
    const deadline = Date.now() + 20_000;
    const hitsOf = () => daemon.daemon.store.fileByPath('i/clip.mp4/subs_en_2.vtt')?.hits ?? 0;
    while (hitsOf() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hitsOf()).toBeGreaterThanOrEqual(2);
  });
});
