// `casterpakd demo`, which `npm run demo` runs: the bundled rendition served standalone, its address printed, and played in Chromium.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, launchChromium, openPage } from '../helpers/browser.js';
import { decodeErrors } from '../helpers/clip.js';
import { assertDistFresh } from '../helpers/compiled.js';
import { CLI_MAIN } from '../helpers/daemon.js';
import { get } from '../helpers/http.js';
import { playlistSegments, videoFacts } from '../helpers/media.js';
import { freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from '../helpers/processes.js';

/** The bundled rendition, as the Quickstart describes it: 12 s of 640x360 at 25 fps. */
const DEMO = { name: 'casterpak-demo.mp4', durationSec: 12, frames: 300, frameSec: 1 / 25 };

describe('casterpakd demo', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-demo-test-'));
  let port = 0;
  let demo: GuardedProcess | undefined;
  let output = '';
  let browser: Browser | undefined;

  beforeAll(async () => {
    assertDistFresh();
    port = await freePort();
    // Its cache and database go under the temp folder (TMPDIR), and no CASTERPAK_* variable speaks.
    demo = await spawnGuarded(process.execPath, [CLI_MAIN, 'demo', '--listen', `127.0.0.1:${port}`], { env: { PATH: process.env.PATH ?? '', TMPDIR: scratch } });
    demo.guard.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    demo.guard.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(`the demo to print its address (output: ${output})`, () => {
      if (demo!.guard.exitCode !== null) throw new Error(`the demo exited: ${output}`);
      return /Watch it:/.test(output) || undefined;
    }, 30_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (demo) await stopGuarded(demo, [['SIGTERM', 5_000]]);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the player URL of the bundled rendition on the address --listen names, and the cache under the temp folder', () => {
    const watch = /Watch it:\s+(\S+)/.exec(output)?.[1];
    expect(watch).toBe(`http://127.0.0.1:${port}/_casterpak/?play=${DEMO.name}#player`);
    expect(/Playlist:\s+(\S+)/.exec(output)?.[1]).toBe(`http://127.0.0.1:${port}/i/${DEMO.name}/index_0_av.m3u8`);
    expect(/Cache:\s+(\S+)/.exec(output)?.[1]).toBe(path.join(scratch, 'casterpak-demo', 'cache'));
  });

  it('serves the 12 s demo standalone: a playlist adding up to its duration and segments that decode, frame for frame', async () => {
    const playlist = await get(port, `/i/${DEMO.name}/index_0_av.m3u8`);
    expect(playlist.status, playlist.text()).toBe(200);
    const segments = playlistSegments(playlist.text());
    expect(segments.length).toBeGreaterThan(0);
    const totalSec = segments.reduce((sum, s) => sum + s.durationSec, 0);
    expect(Math.abs(totalSec - DEMO.durationSec)).toBeLessThanOrEqual(DEMO.frameSec);
    const url = `http://127.0.0.1:${port}/i/${DEMO.name}/index_0_av.m3u8`;
    expect(decodeErrors(url)).toBe('');
    expect(await videoFacts(url)).toMatchObject({ width: 640, height: 360, frames: DEMO.frames });
    // Standalone: the daemon answered with the file itself and keeps it in its cache.
    expect(existsSync(path.join(scratch, 'casterpak-demo', 'cache', 'i', DEMO.name, 'index_0_av.m3u8'))).toBe(true);
  }, 60_000);

  it('plays the demo to its end in the status page player at the printed URL', async () => {
    browser = await launchChromium();
    const watch = /Watch it:\s+(\S+)/.exec(output)![1];
    const { page, errors } = await openPage(browser, watch);
    expect(await page.textContent('title')).toBe('CasterPak status');
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).ended, undefined, { timeout: 60_000 });
    const played = await page.evaluate(() => {
      const video = document.getElementById('video') as HTMLVideoElement;
      const player = (window as unknown as { casterpakPlayer: { errors: { fatal: boolean }[] } }).casterpakPlayer;
      return { durationSec: video.duration, frames: video.getVideoPlaybackQuality().totalVideoFrames, fatal: player.errors.filter((e) => e.fatal) };
    });
    await page.screenshot({ path: artifactPath('demo.png') });
    expect(played.fatal).toEqual([]);
    expect(Math.abs(played.durationSec - DEMO.durationSec)).toBeLessThan(0.1);
    // Every frame went through the decoder (a loaded machine may drop a few late ones, never many).
    expect(played.frames).toBeGreaterThanOrEqual(Math.floor(DEMO.frames * 0.9));
    expect(errors).toEqual([]);
  }, 90_000);
});
