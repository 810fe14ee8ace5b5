// hls.js, Shaka Player and dash.js in a blank Chromium page: play a presentation to its end and report what the player said.

import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { HLS_JS_PATH } from './browser.js';

const require = createRequire(import.meta.url);
const SHAKA_PATH = require.resolve('shaka-player/dist/shaka-player.compiled.js');
/** dashjs resolves to its UMD bundle (dist/modern/umd/dash.all.min.js) under the `require` condition. */
const DASHJS_PATH = require.resolve('dashjs');

export type PlayerName = 'hls.js' | 'shaka' | 'dash.js';

export interface PlayerRun {
  /** The element ended, or the player said it played to the end (dash.js PLAYBACK_ENDED). */
  readonly ended: boolean;
  readonly currentTime: number;
  readonly duration: number;
  readonly totalVideoFrames: number;
  /** The video element's buffered ranges and readyState at the end, for a failure's message. */
  readonly buffered: string;
  /** The player's own error reports (fatal or not), as text. */
  readonly playerErrors: string[];
  /** console.error lines and uncaught exceptions of the page. */
  readonly pageErrors: string[];
}

const SCRIPT: Record<PlayerName, string> = { 'hls.js': HLS_JS_PATH, shaka: SHAKA_PATH, 'dash.js': DASHJS_PATH };

/** Starts the named player on `url` inside the page; errors go to window.playerErrors. */
function startPlayer(player: PlayerName, url: string): void {
  const w = window as unknown as Record<string, any>;
  const video = document.getElementById('v') as HTMLVideoElement;
  const errors: string[] = [];
  w.playerErrors = errors;
  if (player === 'hls.js') {
    const hls = new w.Hls();
    hls.on(w.Hls.Events.ERROR, (_event: unknown, data: { type: string; details: string; fatal: boolean; reason?: string }) => {
      errors.push(`${data.fatal ? 'fatal ' : ''}${data.type} ${data.details} ${data.reason ?? ''}`.trim());
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(w.Hls.Events.MANIFEST_PARSED, () => void video.play());
  } else if (player === 'shaka') {
    w.shaka.polyfill.installAll();
    const shaka = new w.shaka.Player();
    shaka.addEventListener('error', (event: { detail: { code: number; severity: number } }) => errors.push(`shaka error ${event.detail.code} severity ${event.detail.severity}`));
    shaka
      .attach(video)
      .then(() => shaka.load(url))
      .then(() => video.play())
      .catch((err: { code?: number; message?: string }) => errors.push(`shaka load ${err.code ?? err.message}`));
  } else {
    const dash = w.dashjs.MediaPlayer().create();
    // dash.js may reach the end and pause the element itself before MediaSource.endOfStream() has
    // made the element's own `ended` true (seen on a loaded machine): its end event counts too.
    dash.on(w.dashjs.MediaPlayer.events.PLAYBACK_ENDED, () => {
      w.playerEnded = true;
    });
    dash.on(w.dashjs.MediaPlayer.events.ERROR, (event: { error?: { code?: number; message?: string } }) => {
      errors.push(`dash.js error ${event.error?.code} ${event.error?.message ?? ''}`.trim());
    });
    dash.initialize(video, url, true);
  }
}

/** Plays `url` with `player` from the start to the end in a fresh context, at most `timeoutMs`. */
export async function playWith(browser: Browser, player: PlayerName, url: string, timeoutMs = 60_000): Promise<PlayerRun> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  try {
    await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>');
    await page.addScriptTag({ path: SCRIPT[player] });
    await page.evaluate(`(${startPlayer.toString()})(${JSON.stringify(player)}, ${JSON.stringify(url)})`);
    await page
      .waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).ended || (window as unknown as { playerEnded?: boolean }).playerEnded === true, undefined, { timeout: timeoutMs })
      .catch(() => undefined); // reported through `ended` below
    const state = await page.evaluate(() => {
      const video = document.getElementById('v') as HTMLVideoElement;
      return {
        ended: video.ended || (window as unknown as { playerEnded?: boolean }).playerEnded === true,
        currentTime: video.currentTime,
        duration: video.duration,
        totalVideoFrames: video.getVideoPlaybackQuality().totalVideoFrames,
        buffered: `${Array.from({ length: video.buffered.length }, (_, i) => `${video.buffered.start(i).toFixed(3)}-${video.buffered.end(i).toFixed(3)}`).join(' ')} readyState ${video.readyState} paused ${video.paused}`,
        playerErrors: (window as unknown as { playerErrors: string[] }).playerErrors,
      };
    });
    return { ...state, pageErrors };
  } finally {
    await context.close();
  }
}
