// hls.js in Chromium plays every H.264 file of the conformance corpus (ffmpeg, GStreamer, HandBrake muxers) to its end.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { playWith } from '../helpers/cmaf-players.js';
import { probeDurationSec } from '../helpers/clip.js';
import { GOOD_MEDIA, makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';

/**
 * The H.264 files Chromium can play: HEVC and AC-3 are left out (Chromium's MSE decodes neither),
 * and so is the audio-only file. Names with spaces are served by their URL-encoded name.
 */
const H264 = Object.keys(GOOD_MEDIA).filter((name) => !/hevc|ac3|audio-only/.test(name));
const PLAYBACK_RATE = 4;

let daemon: ListeningDaemon;
let browser: Browser;

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2 });
  await makeMedia(H264);
  for (const name of H264) await fs.copyFile(await mediaFile(name), path.join(daemon.mediaRoot, name));
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await daemon?.stop();
  await removeMediaDir();
});

/**
 * hls.js takes the first decode time as time 0 and reports skipping the gap to the first presented
 * picture (B-frame delay, AAC priming) as a non-fatal notice from 0; nothing else is tolerated.
 */
const startHole = /^mediaError bufferSeekOverHole .*seeking from 0 to 0\.[0-4]\d*$/;

describe('hls.js in Chromium on the corpus', () => {
  it.each(H264)('plays %s from start to end without an error', async (name) => {
    const sourceSec = probeDurationSec(path.join(daemon.mediaRoot, name));
    const url = `${daemon.baseUrl}/i/${encodeURIComponent(name)}/index_0_av.m3u8`;
    const run = await playWith(browser, 'hls.js', url, { playbackRate: PLAYBACK_RATE });
    expect(run.playerErrors.filter((e) => !startHole.test(e))).toEqual([]);
    expect(run.pageErrors).toEqual([]);
    expect(run.ended, `stopped at ${run.currentTime} of ${run.duration}, buffered ${run.buffered}`).toBe(true);
    // The timeline may hold an edit's hidden pre-roll before the presentation (see EXT-X-START); never less than the source.
    expect(run.currentTime).toBeGreaterThanOrEqual(sourceSec - 0.1);
  }, 90_000);
});
