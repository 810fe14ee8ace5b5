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
  /** The forced switch (bandwidth from -> to), when one was asked for and made. */
  readonly switched?: string;
  /** Every media segment URL the page fetched, in order. */
  readonly segmentUrls: string[];
}

export const PLAYER_SCRIPTS: Record<PlayerName, string> = { 'hls.js': HLS_JS_PATH, shaka: SHAKA_PATH, 'dash.js': DASHJS_PATH };

/** Starts the named player on `url` inside the page; errors go to window.playerErrors. */
export function startPlayer(player: PlayerName, url: string): void {
  const w = window as unknown as Record<string, any>;
  const video = document.getElementById('v') as HTMLVideoElement;
  const errors: string[] = [];
  w.playerErrors = errors;
  if (player === 'hls.js') {
    const hls = new w.Hls();
    w.player = hls;
    hls.on(w.Hls.Events.ERROR, (_event: unknown, data: { type: string; details: string; fatal: boolean; reason?: string }) => {
      errors.push(`${data.fatal ? 'fatal ' : ''}${data.type} ${data.details} ${data.reason ?? ''}`.trim());
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(w.Hls.Events.MANIFEST_PARSED, () => void video.play());
  } else if (player === 'shaka') {
    w.shaka.polyfill.installAll();
    const shaka = new w.shaka.Player();
    w.player = shaka;
    shaka.addEventListener('error', (event: { detail: { code: number; severity: number } }) => errors.push(`shaka error ${event.detail.code} severity ${event.detail.severity}`));
    shaka
      .attach(video)
      .then(() => shaka.load(url))
      .then(() => video.play())
      .catch((err: { code?: number; message?: string }) => errors.push(`shaka load ${err.code ?? err.message}`));
  } else {
    const dash = w.dashjs.MediaPlayer().create();
    w.player = dash;
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

/**
 * Forces the player onto another video rendition than the one it plays (ABR off from then on), through
 * each player's own API. Returns the bandwidths switched from and to, or undefined before the player knows them.
 */
function switchRendition(player: PlayerName): string | undefined {
  const w = window as unknown as Record<string, any>;
  const p = w.player;
  if (player === 'hls.js') {
    if (!p.levels || p.levels.length < 2 || p.currentLevel < 0) return undefined;
    const to = p.currentLevel === 0 ? p.levels.length - 1 : 0;
    const from = p.currentLevel;
    // loadLevel: the next fragments come from the new level, without aborting the one in flight.
    p.loadLevel = to;
    return `${p.levels[from].bitrate} -> ${p.levels[to].bitrate}`;
  }
  if (player === 'shaka') {
    const tracks = p.getVariantTracks() as Array<{ active: boolean; bandwidth: number; height: number }>;
    const active = tracks.find((t) => t.active);
    const other = tracks.find((t) => t.height !== active?.height);
    if (!active || !other) return undefined;
    p.configure({ abr: { enabled: false } });
    p.selectVariantTrack(other, true);
    return `${active.bandwidth} -> ${other.bandwidth}`;
  }
  const reps = p.getRepresentationsByType('video') as Array<{ id: string; bandwidth: number }>;
  const current = p.getCurrentRepresentationForType('video') as { id: string; bandwidth: number } | null;
  if (!current || reps.length < 2) return undefined;
  const other = reps.find((r) => r.id !== current.id)!;
  p.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
  p.setRepresentationForTypeById('video', other.id, true);
  return `${current.bandwidth} -> ${other.bandwidth}`;
}

export interface PlayOptions {
  readonly timeoutMs?: number;
  /** Once playing, force a switch to another video rendition (a ladder), and report it. */
  readonly switchRendition?: boolean;
  /** The element's playbackRate (default 1): short clips played faster keep a long corpus quick. */
  readonly playbackRate?: number;
}

/** Plays `url` with `player` from the start to the end in a fresh context, at most `timeoutMs`. */
export async function playWith(browser: Browser, player: PlayerName, url: string, options: PlayOptions = {}): Promise<PlayerRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  const segmentUrls: string[] = [];
  page.on('request', (request) => {
    if (/\.m4s(\?|$)/.test(request.url())) segmentUrls.push(request.url());
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  try {
    await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>');
    await page.addScriptTag({ path: PLAYER_SCRIPTS[player] });
    await page.evaluate(`(${startPlayer.toString()})(${JSON.stringify(player)}, ${JSON.stringify(url)})`);
    if (options.playbackRate) await page.evaluate(`document.getElementById('v').playbackRate = ${options.playbackRate}`);
    let switched: string | undefined;
    if (options.switchRendition) {
      // Once a little has played, so the switch happens mid-stream; the player then goes on to the end.
      await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0.5, undefined, { timeout: timeoutMs });
      const deadline = Date.now() + 10_000;
      while (!switched && Date.now() < deadline) {
        switched = (await page.evaluate(`(${switchRendition.toString()})(${JSON.stringify(player)})`)) as string | undefined;
        if (!switched) await page.waitForTimeout(100);
      }
    }
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
    return { ...state, pageErrors, segmentUrls, ...(switched ? { switched } : {}) };
  } finally {
    await context.close();
  }
}

/**
 * The player notices left once the harmless ones are taken out:
 * - always: hls.js skipping the gap of a few ms before the first presented picture (AAC priming, B-frames);
 * - `abortedOnSwitch`: the request a player aborts when a track is switched while it loads;
 * - `videoOnlyTsMaster`: hls.js 1.7.4 reporting the first video-only MPEG-TS segment once as appended without
 *   buffered range growth (non-fatal, at time 0). That is its own race, not our segments: the audio transmuxer
 *   waits for the video's first PTS, so the video appends are queued before the SourceBuffers exist and the
 *   progress check runs before that append completes; segments made by ffmpeg's own HLS muxer behind the same
 *   master get the same notice. One such notice is tolerated, no other.
 */
export function unexpectedNotices(errors: readonly string[], tolerate: { abortedOnSwitch?: boolean; videoOnlyTsMaster?: boolean } = {}): string[] {
  const left = errors.filter((e) => !/^mediaError bufferSeekOverHole .*seeking from 0 to 0\.[0-4]\d*$/.test(e) && !(tolerate.abortedOnSwitch && e === 'networkError aborted'));
  const firstNoProgress = left.indexOf('mediaError bufferAppendNoProgress');
  return tolerate.videoOnlyTsMaster && firstNoProgress !== -1 ? left.filter((_, k) => k !== firstNoProgress) : left;
}
