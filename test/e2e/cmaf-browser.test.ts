// hls.js plays the fMP4 HLS, Shaka Player and dash.js the DASH presentation, in Debian's Chromium, through nginx.

import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { playWith, type PlayerName, type PlayerRun } from '../helpers/cmaf-players.js';
import { makeClip, probeDurationSec } from '../helpers/clip.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';

const CLIP = { durationSec: 5, fps: 25 };

let browser: Browser;
let daemon: ListeningDaemon;
let nginx: RunningNginx;
let sourceDurationSec: number;

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2, mode: 'nginx' });
  makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), CLIP);
  sourceDurationSec = probeDurationSec(path.join(daemon.mediaRoot, 'clip.mp4'));
  nginx = await startNginx({ config: daemon.configForNginx });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await daemon?.stop();
});

/**
 * The clip's audio starts about 21 ms before its video (AAC priming trimmed by the edit list), and
 * hls.js reports jumping that hole at the start as a non-fatal notice; nothing else is tolerated.
 */
function unexpected(errors: readonly string[]): string[] {
  return errors.filter((e) => !/^mediaError bufferSeekOverHole .*seeking from 0 to 0\.0\d+$/.test(e));
}

function expectPlayedToTheEnd(run: PlayerRun): void {
  expect(unexpected(run.playerErrors)).toEqual([]);
  expect(run.pageErrors).toEqual([]);
  expect(run.ended).toBe(true);
  expect(Math.abs(run.duration - sourceDurationSec)).toBeLessThan(0.15);
  expect(run.currentTime).toBeGreaterThanOrEqual(run.duration - 0.1);
  expect(run.totalVideoFrames).toBeGreaterThanOrEqual(Math.floor(sourceDurationSec * CLIP.fps * 0.9));
}

const CASES: Array<[PlayerName, string]> = [
  ['hls.js', 'cmaf/master.m3u8'],
  ['shaka', 'cmaf/manifest.mpd'],
  ['dash.js', 'cmaf/manifest.mpd'],
];

describe('CMAF playback in Chromium through nginx', () => {
  it.each(CASES)('%s plays %s of an H.264/AAC rendition to the end with no error', async (player, file) => {
    const run = await playWith(browser, player, `${nginx.baseUrl}/i/clip.mp4/${file}`);
    expectPlayedToTheEnd(run);
  }, 90_000);
});
