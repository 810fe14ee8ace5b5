// Master and I-frame playlists end to end: Debian's nginx with the drop-in, the daemon in nginx mode, hls.js in Chromium.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlsPage, launchChromium } from '../helpers/browser.js';
import { LADDER, makeLadder, rungName } from '../helpers/ladder.js';
import { parseMaster, parseMedia } from '../helpers/m3u8.js';
import { startStack, type Stack } from '../helpers/stack.js';

const SET = '/i/shows/clip_,360,540,720,p.mp4.csmil/master.m3u8';

let stack: Stack;
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await startStack({ packager: 'builtin', segmentDurationSec: 2 });
  await makeLadder(path.join(stack.daemon.mediaRoot, 'shows'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.dispose();
});

describe('master playlists through nginx', () => {
  it('writes the master on the first request, and nginx alone serves it afterwards', async () => {
    const first = await stack.get(SET);
    expect(first.status, first.text()).toBe(200);
    expect(first.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(first.text()).toBe(readFileSync(path.join(stack.daemon.cacheDir, SET.slice(1)), 'utf8'));
    expect(stack.logLines().find((l) => l.request_uri === SET)).toMatchObject({ uri: `/casterpak-internal${SET}`, status: '200' });
    const before = await stack.daemon.healthz();
    const again = await stack.get(SET);
    expect(again.text()).toBe(first.text());
    expect((await stack.daemon.healthz()).requests - before.requests).toBe(1);
  });

  it('answers ?b= with a filtered master from the daemon even though the unfiltered one is cached', async () => {
    await stack.get(SET);
    const filtered = await stack.get(`${SET}?b=${LADDER[2].videoKbps}`);
    expect(filtered.status, filtered.text()).toBe(200);
    expect(filtered.all('access-control-allow-origin')).toEqual(['*']);
    expect(parseMaster(filtered.text()).variants.map((v) => v.uri)).toEqual([`../${rungName(LADDER[2])}/index_0_av.m3u8`]);
    expect(parseMaster(readFileSync(path.join(stack.daemon.cacheDir, SET.slice(1)), 'utf8')).variants).toHaveLength(3);
    expect((await stack.get(`${SET}?b=x`)).status).toBe(400);
  });

  it('answers ?b= on the CMAF master and the MPD with filtered ones from the daemon even though the unfiltered ones are cached', async () => {
    const cmafSet = SET.replace('/master.m3u8', '/cmaf/master.m3u8');
    const mpdSet = SET.replace('/master.m3u8', '/cmaf/manifest.mpd');
    for (const url of [cmafSet, mpdSet]) expect((await stack.get(url)).status).toBe(200);
    const master = await stack.get(`${cmafSet}?b=${LADDER[2].videoKbps}`);
    expect(master.status, master.text()).toBe(200);
    expect(parseMaster(master.text()).variants.map((v) => v.uri)).toEqual([`../../${rungName(LADDER[2])}/cmaf/video.m3u8`]);
    const mpd = await stack.get(`${mpdSet}?b=${LADDER[2].videoKbps}`);
    expect(mpd.status, mpd.text()).toBe(200);
    expect(mpd.headers['content-type']).toBe('application/dash+xml');
    expect(mpd.text().match(/<Representation /g)).toHaveLength(2);
    expect(mpd.text()).toContain(`../../${rungName(LADDER[2])}/cmaf/video_$Number$.m4s`);
    // The cached files keep every rendition.
    expect(parseMaster(readFileSync(path.join(stack.daemon.cacheDir, cmafSet.slice(1)), 'utf8')).variants).toHaveLength(3);
    expect(readFileSync(path.join(stack.daemon.cacheDir, mpdSet.slice(1)), 'utf8').match(/<Representation /g)).toHaveLength(6);
  });

  it('serves I-frame playlists and their byte ranges into segments that were never requested before', async () => {
    const master = parseMaster((await stack.get(SET)).text());
    const iframesUrl = new URL(master.iframeStreams[0].uri, `${stack.nginx.baseUrl}${SET}`).pathname;
    const playlist = await stack.get(iframesUrl);
    expect(playlist.status, playlist.text()).toBe(200);
    const entry = parseMedia(playlist.text()).entries[1];
    const segmentUrl = new URL(entry.uri, `${stack.nginx.baseUrl}${iframesUrl}`).pathname;
    const { offsetBytes, lengthBytes } = entry.range!;
    const res = await stack.get(segmentUrl, { range: `bytes=${offsetBytes}-${offsetBytes + lengthBytes - 1}` });
    expect(res.status).toBe(206);
    expect(res.body.length).toBe(lengthBytes);
    expect(res.body[0]).toBe(0x47);
  });
});

interface PlaybackError {
  what: string;
  fatal: boolean;
  atSec: number;
  /** Immediate level switches the test had forced when the error came. */
  forced: number;
}

interface PlaybackReport {
  levels: Array<{ height: number; url: string }>;
  switched: number[];
  errors: PlaybackError[];
  currentTime: number;
  decodedFrames: number;
}

describe('hls.js in Chromium on a csmil master', () => {
  it('starts on the master, switches to the top and the bottom variant on demand, and plays to the end without a stream error', async () => {
    browser = await launchChromium();
    const { page, errors: pageErrors } = await hlsPage(browser);
    const report = await page.evaluate(async (url: string): Promise<PlaybackReport> => {
      const Hls = (window as unknown as { Hls: any }).Hls;
      const video = document.getElementById('v') as HTMLVideoElement;
      const hls = new Hls();
      const errors: PlaybackError[] = [];
      const switched: number[] = [];
      let forced = 0;
      hls.on(Hls.Events.ERROR, (_: unknown, data: { type: string; details: string; fatal: boolean }) =>
        errors.push({ what: `${data.type}/${data.details}`, fatal: data.fatal, atSec: video.currentTime, forced }),
      );
      hls.on(Hls.Events.LEVEL_SWITCHED, (_: unknown, data: { level: number }) => switched.push(data.level));
      const until = async (done: () => boolean, what: string) => {
        const deadline = Date.now() + 30_000;
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(errors)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      const parsed = new Promise((resolve) => hls.on(Hls.Events.MANIFEST_PARSED, resolve));
      hls.loadSource(url);
      hls.attachMedia(video);
      await parsed;
      await video.play();
      await until(() => video.currentTime > 0.3, 'playback to start');
      const top = hls.levels.length - 1;
      forced += 1;
      hls.currentLevel = top;
      await until(() => switched.includes(top) && hls.currentLevel === top, 'the switch to the top variant');
      const afterTop = video.currentTime;
      await until(() => video.currentTime > afterTop + 0.5, 'playback on the top variant');
      forced += 1;
      hls.currentLevel = 0;
      await until(() => switched.lastIndexOf(0) > switched.lastIndexOf(top), 'the switch to the bottom variant');
      await until(() => video.ended || video.currentTime > video.duration - 0.5, 'the end');
      return {
        levels: hls.levels.map((l: { height: number; url: string[] }) => ({ height: l.height, url: l.url[0] })),
        switched,
        errors,
        currentTime: video.currentTime,
        decodedFrames: video.getVideoPlaybackQuality().totalVideoFrames,
      };
    }, `${stack.nginx.baseUrl}${SET}`);
    // Two non-fatal reports are hls.js's own housekeeping, not faults of the stream: with B-frames the
    // first picture is presented a few frames after the first decode time, which hls.js takes as
    // time 0, so it skips that start gap (whichever packager made the stream); and a forced
    // immediate switch aborts the fragment load it supersedes (ErrorDetails.INTERNAL_ABORTED).
    const housekeeping = (e: PlaybackError) =>
      !e.fatal &&
      ((e.what === 'mediaError/bufferSeekOverHole' && e.forced === 0 && e.atSec < 0.5) || (e.what === 'networkError/aborted' && e.forced > 0));
    expect(report.errors.filter((e) => !housekeeping(e))).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(report.levels).toEqual(LADDER.map((rung) => ({ height: rung.height, url: `${stack.nginx.baseUrl}/i/shows/${rungName(rung)}/index_0_av.m3u8` })));
    expect(report.switched).toContain(LADDER.length - 1);
    expect(report.switched[report.switched.length - 1]).toBe(0);
    expect(report.decodedFrames).toBeGreaterThan(0);
  }, 90_000);
});
