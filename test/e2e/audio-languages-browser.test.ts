// hls.js (MPEG-TS and fMP4 HLS), Shaka Player and dash.js (DASH) in Chromium list three audio languages and switch between them while playing, through nginx.

import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchAudio } from '../helpers/audio-switch.js';
import { launchChromium } from '../helpers/browser.js';
import { unexpectedNotices, type PlayerName } from '../helpers/cmaf-players.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { THREE_LANGUAGES, makeMultiAudioClip } from '../helpers/multi-audio.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';

let browser: Browser;
let daemon: ListeningDaemon;
let nginx: RunningNginx;

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2, mode: 'nginx' });
  makeMultiAudioClip(path.join(daemon.mediaRoot, 'talk.mp4'), THREE_LANGUAGES, 8);
  nginx = await startNginx({ config: daemon.configForNginx });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await daemon?.stop();
});

const CASES: Array<[PlayerName, string, RegExp]> = [
  ['hls.js', 'master.m3u8', /\/talk\.mp4\/segment\d+_3_a\.ts$/],
  ['hls.js', 'cmaf/master.m3u8', /\/talk\.mp4\/cmaf\/audio3_\d+\.m4s$/],
  ['shaka', 'cmaf/manifest.mpd', /\/talk\.mp4\/cmaf\/audio3_\d+\.m4s$/],
  ['dash.js', 'cmaf/manifest.mpd', /\/talk\.mp4\/cmaf\/audio3_\d+\.m4s$/],
];

describe('three audio languages in the browser', () => {
  it.each(CASES)('%s lists English, French and German from %s by their names and switches to German while playing', async (player, file, germanAudio) => {
    const run = await switchAudio(browser, player, `${nginx.baseUrl}/i/talk.mp4/${file}`, { to: 'de', newAudioUrl: germanAudio });
    expect(run.languages).toEqual(['en', 'fr', 'de']);
    expect(run.labels).toEqual(['English', 'français', 'Deutsch']);
    expect(run.urlsAfterSwitch.some((u) => germanAudio.test(u)), run.urlsAfterSwitch.join('\n')).toBe(true);
    expect(run.playing).toBe('de');
    expect(run.timeAfter).toBeGreaterThan(run.timeAtSwitch + 1);
    expect(unexpectedNotices(run.playerErrors, { videoOnlyTsMaster: file === 'master.m3u8' })).toEqual([]);
    expect(run.pageErrors).toEqual([]);
  }, 120_000);
});
