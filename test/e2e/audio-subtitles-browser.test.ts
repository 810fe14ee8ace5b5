// One title with three audio languages and two subtitle languages: hls.js (MPEG-TS and fMP4 HLS), Shaka Player and dash.js (DASH) in Chromium list both, switch both while playing, and show cues at their times.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { unexpectedNotices, type PlayerName } from '../helpers/cmaf-players.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { descendants, mpdProblems, parseXmlInBrowser } from '../helpers/mpd-check.js';
import { THREE_LANGUAGES, makeMultiAudioClip } from '../helpers/multi-audio.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { expectCues, playSubtitles } from '../helpers/subtitle-players.js';
import { ENGLISH_CUES, FRENCH_CUES, srtText, vttText } from '../helpers/subtitled-clip.js';

let browser: Browser;
let daemon: ListeningDaemon;
let nginx: RunningNginx;

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2, mode: 'nginx' });
  makeMultiAudioClip(path.join(daemon.mediaRoot, 'show.mp4'), THREE_LANGUAGES, 6);
  writeFileSync(path.join(daemon.mediaRoot, 'show.en.srt'), srtText(ENGLISH_CUES));
  writeFileSync(path.join(daemon.mediaRoot, 'show.fr.vtt'), vttText(FRENCH_CUES));
  nginx = await startNginx({ config: daemon.configForNginx });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await daemon?.stop();
});

const CASES: Array<[PlayerName, string, RegExp]> = [
  ['hls.js', 'master.m3u8', /\/show\.mp4\/segment\d+_3_a\.ts$/],
  ['hls.js', 'cmaf/master.m3u8', /\/show\.mp4\/cmaf\/audio3_\d+\.m4s$/],
  ['shaka', 'cmaf/manifest.mpd', /\/show\.mp4\/cmaf\/audio3_\d+\.m4s$/],
  ['dash.js', 'cmaf/manifest.mpd', /\/show\.mp4\/cmaf\/audio3_\d+\.m4s$/],
];

describe('three audio languages and two subtitle languages in one title', () => {
  it.each(CASES)('%s lists both from %s, switches from English to German audio and English to French subtitles while playing, and shows cues at their times', async (player, file, germanAudio) => {
    const run = await playSubtitles(browser, player, `${nginx.baseUrl}/i/show.mp4/${file}`, { first: 'en', second: 'fr', switchAtSec: 2.7, audioTo: 'de' });
    expect(unexpectedNotices(run.errors, { abortedOnSwitch: true, videoOnlyTsMaster: file === 'master.m3u8' })).toEqual([]);
    expect(run.audioLanguages).toEqual(['en', 'fr', 'de']);
    expect(run.listed.map((t) => t.language)).toEqual(['en', 'fr']);
    expect(run.listed.map((t) => t.label)).toEqual(['English', 'French']);
    expect(run.urlsAfterSwitch!.some((u) => germanAudio.test(u)), run.urlsAfterSwitch!.join('\n')).toBe(true);
    expect(run.audioPlaying).toBe('de');
    expect(run.ended).toBe(true);
    expectCues(run.firstCues, ENGLISH_CUES.filter((c) => c.startSec < 2));
    expectCues(run.secondCues, FRENCH_CUES.filter((c) => c.startSec > run.switchedAtSec - 1));
  }, 120_000);
});

describe('the MPD of a title with both', () => {
  it('numbers the video AdaptationSet 0, the audio ones 1 to 3 and the text ones after them, each audio and text set labelled with its NAME, and keeps the DASH schema structure', async () => {
    const mpd = await (await fetch(`${nginx.baseUrl}/i/show.mp4/cmaf/manifest.mpd`)).text();
    const root = await parseXmlInBrowser(browser, mpd);
    expect(mpdProblems(root)).toEqual([]);
    const sets = descendants(root, 'AdaptationSet').map((set) => [set.attrs.id, set.attrs.contentType, set.attrs.lang ?? '']);
    expect(sets).toEqual([['0', 'video', ''], ['1', 'audio', 'en'], ['2', 'audio', 'fr'], ['3', 'audio', 'de'], ['4', 'text', 'en'], ['5', 'text', 'fr']]);
    const labels = descendants(root, 'AdaptationSet').map((set) => descendants(set, 'Label').map((label) => label.text));
    expect(labels).toEqual([[], ['English'], ['français'], ['Deutsch'], ['English'], ['French']]);
  });
});
