// A stream-copy cut in Chromium: which picture each player shows first, read off the picture itself, against the one ffmpeg presents first.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { firstFrames } from '../helpers/first-frames.js';
import { firstPresentedFrames, frameCodeInput } from '../helpers/frame-code.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import type { PlayerName } from '../helpers/cmaf-players.js';

const run = promisify(execFile);
const FPS = 25;
/** Two-second closed GOPs with B-frames; the cut at 3.5 s lands 1.5 s after the keyframe at 2 s. */
const GOP_FRAMES = 2 * FPS;
const CUT_AT_SEC = 3.5;

let daemon: ListeningDaemon;
let browser: Browser;
let expected: number[];

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2 });
  const full = path.join(daemon.mediaRoot, 'numbered.mp4');
  const cut = path.join(daemon.mediaRoot, 'cut.mp4');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...frameCodeInput(FPS, 12), '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=12',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(GOP_FRAMES), '-keyint_min', String(GOP_FRAMES), '-sc_threshold', '0', '-bf', '3', '-c:a', 'aac', '-shortest', full]);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-ss', String(CUT_AT_SEC), '-i', full, '-t', '5', '-c', 'copy', cut]);
  expected = await firstPresentedFrames(cut, 5);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
});

const HLS: Array<[string, string]> = [
  ['MPEG-TS', '/i/cut.mp4/index_0_av.m3u8'],
  ['fMP4', '/i/cut.mp4/cmaf/master.m3u8'],
];
const DASH_PLAYERS: PlayerName[] = ['shaka', 'dash.js'];

describe('a stream-copy cut played in Chromium', () => {
  it('is what ffmpeg presents from the file: the edit starts mid-GOP', () => {
    expect(expected[0]).toBeGreaterThan(2 * FPS);
    expect(expected[0] % GOP_FRAMES).not.toBe(0);
    expect(expected).toEqual([0, 1, 2, 3, 4].map((k) => expected[0] + k));
  });

  // hls.js lays its timeline from the earliest timestamp, the pre-roll's; EXT-X-START brings it to the edit.
  it.each(HLS)('%s HLS with hls.js starts playing at the edit and never plays the pre-roll', async (_label, urlPath) => {
    const run = await firstFrames(browser, 'hls.js', `${daemon.baseUrl}${urlPath}`, 8);
    const frames = run.shown.map((shown) => shown.frame);
    // Before hls.js moves to EXT-X-START, a loaded Chromium may paint the first picture it decoded, once,
    // as a still at the buffer's start: that one still is all the pre-roll a viewer can see.
    const still = frames[0] !== undefined && frames[0] < expected[0] ? 1 : 0;
    if (still === 1) expect(run.shown[0].mediaTimeSec, JSON.stringify(run)).toBeCloseTo(run.bufferedStartSec, 2);
    const played = frames.slice(still);
    // Playback starts at the edit: its first picture, or one of the next two where a loaded compositor
    // skipped a picture or two (as the DASH players' check allows); the pre-roll is never played.
    expect(played[0], JSON.stringify(run)).toBeGreaterThanOrEqual(expected[0]);
    expect(played[0], JSON.stringify(run)).toBeLessThanOrEqual(expected[0] + 2);
    // Later pictures in order (a loaded compositor may skip or repeat some, never go back to the pre-roll).
    expect(played.every((frame, k) => frame >= expected[0] && (k === 0 || frame >= played[k - 1])), JSON.stringify(run)).toBe(true);
    expect(run.playerErrors).toEqual([]);
  }, 90_000);

  // The MPD places the pre-roll before the period; the player's append window drops it, and with it
  // (MSE decodes nothing it does not show) every picture up to the next keyframe.
  it.each(DASH_PLAYERS)('DASH with %s shows no hidden pre-roll: it starts at the first keyframe after the edit', async (player) => {
    const run = await firstFrames(browser, player, `${daemon.baseUrl}/i/cut.mp4/cmaf/manifest.mpd`, 8);
    const nextKeyframe = Math.ceil(expected[0] / GOP_FRAMES) * GOP_FRAMES;
    // The keyframe first (a loaded compositor may skip a picture or two of it, never show an earlier one).
    const first = run.shown[0]?.frame;
    expect(first, JSON.stringify(run)).toBeGreaterThanOrEqual(nextKeyframe);
    expect(first, JSON.stringify(run)).toBeLessThanOrEqual(nextKeyframe + 2);
    expect(run.shown.every((shown) => shown.frame >= nextKeyframe), JSON.stringify(run)).toBe(true);
    // On the presentation's own timeline: the picture is shown when its time comes, not moved to 0.
    expect(run.shown[0].mediaTimeSec, JSON.stringify(run)).toBeCloseTo((first - expected[0]) / FPS, 1);
    expect(run.playerErrors).toEqual([]);
  }, 90_000);
});
