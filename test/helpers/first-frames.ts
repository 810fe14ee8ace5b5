// Which pictures a player in Chromium shows first: each presented frame's number read off the canvas (see frame-code.ts).

import type { Browser } from 'playwright-core';
import { HLS_JS_PATH } from './browser.js';
import { BLOCK_PX, CODE_BITS, CODE_HEIGHT_PX, CODE_WIDTH_PX } from './frame-code.js';
import { PLAYER_SCRIPTS, type PlayerName } from './cmaf-players.js';

export interface ShownFrame {
  /** The frame number the picture shows. */
  readonly frame: number;
  /** requestVideoFrameCallback's mediaTime of the picture, on the player's timeline. */
  readonly mediaTimeSec: number;
}

export interface FirstFrames {
  /** The first pictures composited, in order, from the first one a viewer sees. */
  readonly shown: ShownFrame[];
  /** Where the element's first buffered range started when the first picture was shown. */
  readonly bufferedStartSec: number;
  readonly playerErrors: string[];
}

interface PageState {
  shown: ShownFrame[];
  bufferedStartSec: number;
  errors: string[];
}

/** In the page: starts the player on `url` and records every composited frame's number, up to `count`. */
function watchFrames(args: { player: PlayerName; url: string; count: number; bits: number; block: number; width: number; height: number }): void {
  const w = window as unknown as Record<string, any>;
  const video = document.getElementById('v') as HTMLVideoElement;
  const canvas = document.createElement('canvas');
  canvas.width = args.width;
  canvas.height = args.height;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  const state: PageState = { shown: [], bufferedStartSec: NaN, errors: [] };
  w.frameState = state;
  const onFrame = (_now: number, meta: { mediaTime: number }) => {
    context.drawImage(video, 0, 0, args.width, args.height);
    const row = context.getImageData(0, args.block / 2, args.width, 1).data;
    let frame = 0;
    for (let b = 0; b < args.bits; b++) if (row[(b * args.block + args.block / 2) * 4] > 128) frame += 2 ** b;
    if (state.shown.length === 0) state.bufferedStartSec = video.buffered.length > 0 ? video.buffered.start(0) : NaN;
    state.shown.push({ frame, mediaTimeSec: meta.mediaTime });
    if (state.shown.length < args.count) (video as any).requestVideoFrameCallback(onFrame);
  };
  (video as any).requestVideoFrameCallback(onFrame);
  if (args.player === 'hls.js') {
    const hls = new w.Hls();
    hls.on(w.Hls.Events.ERROR, (_e: unknown, data: { details: string; fatal: boolean }) => state.errors.push(`${data.fatal ? 'fatal ' : ''}${data.details}`));
    hls.loadSource(args.url);
    hls.attachMedia(video);
    hls.on(w.Hls.Events.MANIFEST_PARSED, () => void video.play());
  } else if (args.player === 'shaka') {
    w.shaka.polyfill.installAll();
    const shaka = new w.shaka.Player();
    shaka.addEventListener('error', (event: { detail: { code: number } }) => state.errors.push(`shaka ${event.detail.code}`));
    void shaka.attach(video).then(() => shaka.load(args.url)).then(() => video.play()).catch((err: { code?: number }) => state.errors.push(`shaka load ${err.code}`));
  } else {
    const dash = w.dashjs.MediaPlayer().create();
    dash.on(w.dashjs.MediaPlayer.events.ERROR, (event: { error?: { code?: number } }) => state.errors.push(`dash.js ${event.error?.code}`));
    dash.initialize(video, args.url, true);
  }
}

/** Plays `url` with `player` until `count` pictures have been shown; their numbers in the order shown. */
export async function firstFrames(browser: Browser, player: PlayerName, url: string, count = 10): Promise<FirstFrames> {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>');
    await page.addScriptTag({ path: player === 'hls.js' ? HLS_JS_PATH : PLAYER_SCRIPTS[player] });
    const args = { player, url, count, bits: CODE_BITS, block: BLOCK_PX, width: CODE_WIDTH_PX, height: CODE_HEIGHT_PX };
    await page.evaluate(`(${watchFrames.toString()})(${JSON.stringify(args)})`);
    await page.waitForFunction((n) => (window as unknown as { frameState: PageState }).frameState.shown.length >= n, count, { timeout: 60_000 }).catch(() => undefined);
    const state = (await page.evaluate('window.frameState')) as PageState;
    return { shown: state.shown, bufferedStartSec: state.bufferedStartSec, playerErrors: state.errors };
  } finally {
    await context.close();
  }
}
