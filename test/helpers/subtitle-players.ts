// hls.js, Shaka Player and dash.js in Chromium: list a presentation's subtitle tracks, show one, switch to another while playing, read back the cues.

import type { Browser } from 'playwright-core';
import { expect } from 'vitest';
import { audioLanguages, playingLanguage, selectLanguage } from './audio-switch.js';
import { PLAYER_SCRIPTS, startPlayer, type PlayerName } from './cmaf-players.js';
import type { TestCue } from './subtitled-clip.js';

export interface ListedTrack {
  readonly language: string;
  readonly label: string;
}

export interface ReadCue {
  readonly startSec: number;
  readonly endSec: number;
  readonly text: string;
}

export interface SubtitleRun {
  /** The subtitle tracks the player's own API lists. */
  readonly listed: ListedTrack[];
  /** The cues of the first language's track, read just before the switch, and of the second at the end. */
  readonly firstCues: ReadCue[];
  readonly secondCues: ReadCue[];
  /** Where the element was when the second language was chosen. */
  readonly switchedAtSec: number;
  readonly ended: boolean;
  readonly errors: string[];
  /** With `audioTo`: the audio languages the player listed, the one it played at the end, the URLs fetched after the switch. */
  readonly audioLanguages?: string[];
  readonly audioPlaying?: string;
  readonly urlsAfterSwitch?: string[];
}

export interface SubtitlePlayOptions {
  readonly first: string;
  readonly second: string;
  readonly switchAtSec: number;
  /** Also switch the audio to this language at the same moment (a title with several audio languages). */
  readonly audioTo?: string;
}

/** The player's subtitle tracks, as language and label. */
function listTracks(player: PlayerName): ListedTrack[] {
  const p = (window as unknown as Record<string, any>).player;
  if (player === 'hls.js') return (p.subtitleTracks ?? []).map((t: { lang?: string; name: string }) => ({ language: t.lang ?? '', label: t.name }));
  if (player === 'shaka') return p.getTextTracks().map((t: { language: string; label: string | null }) => ({ language: t.language, label: t.label ?? '' }));
  return (p.getTracksFor('text') ?? []).map((t: { lang: string; labels?: Array<{ text: string }> }) => ({ language: t.lang, label: t.labels?.[0]?.text ?? '' }));
}

/** Shows the track of `language` through the player's own API; true once the player took it. */
function selectTrack(player: PlayerName, language: string): boolean {
  const p = (window as unknown as Record<string, any>).player;
  if (player === 'hls.js') {
    const index = p.subtitleTracks.findIndex((t: { lang?: string }) => t.lang === language);
    p.subtitleDisplay = true;
    p.subtitleTrack = index;
    return index >= 0;
  }
  if (player === 'shaka') {
    const track = p.getTextTracks().find((t: { language: string }) => t.language === language);
    if (!track) return false;
    // Shaka Player 5 shows the selected track through the element's own text tracks (NativeTextDisplayer).
    p.selectTextTrack(track);
    return true;
  }
  // dash.js numbers text tracks in the order getTracksFor lists them.
  const index = p.getTracksFor('text').findIndex((t: { lang: string }) => t.lang === language);
  if (index < 0) return false;
  p.enableText(true);
  p.setTextTrack(index);
  return true;
}

/** The cues of the element's showing text track (whatever the player named it): the one it shows. */
function showingCues(): ReadCue[] {
  const video = document.getElementById('v') as HTMLVideoElement;
  const tracks = Array.from(video.textTracks).filter((t) => t.mode === 'showing' && t.cues && t.cues.length > 0);
  return tracks.flatMap((t) => Array.from(t.cues!).map((c) => ({ startSec: c.startTime, endSec: c.endTime, text: (c as VTTCue).text })));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Plays `url`, shows the `first` language from the start, switches to `second` (and the audio to `audioTo`)
 * once the element passes `switchAtSec`, and plays to the end. Cues are read from the element's text tracks,
 * as a page would.
 */
export async function playSubtitles(browser: Browser, player: PlayerName, url: string, options: SubtitlePlayOptions): Promise<SubtitleRun> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  const call = <T>(fn: (...args: any[]) => T, ...args: unknown[]) => page.evaluate(`(${fn.toString()})(${args.map((a) => JSON.stringify(a)).join(',')})`) as Promise<T>;
  const time = () => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
  try {
    await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>');
    await page.addScriptTag({ path: PLAYER_SCRIPTS[player] });
    await call(startPlayer, player, url);
    await waitFor(async () => (await call(listTracks, player)).length > 0 && (!options.audioTo || (await call(audioLanguages, player)).length > 0), 30_000);
    const listed = await call(listTracks, player);
    const languages = options.audioTo ? await call(audioLanguages, player) : undefined;
    await waitFor(() => call(selectTrack, player, options.first), 10_000);
    await waitFor(async () => (await time()) >= options.switchAtSec, 30_000);
    const firstCues = await call(showingCues);
    const switchedAtSec = await time();
    const requestsBefore = requested.length;
    await call(selectTrack, player, options.second);
    if (options.audioTo) await call(selectLanguage, player, options.audioTo);
    const ended = await waitFor(
      () => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).ended || (window as unknown as { playerEnded?: boolean }).playerEnded === true),
      30_000,
    );
    const secondCues = await call(showingCues);
    const playerErrors = await page.evaluate(() => (window as unknown as { playerErrors: string[] }).playerErrors);
    const run = { listed, firstCues, secondCues, switchedAtSec, ended, errors: [...errors, ...playerErrors] };
    if (!options.audioTo) return run;
    return { ...run, audioLanguages: languages, audioPlaying: await call(playingLanguage, player), urlsAfterSwitch: requested.slice(requestsBefore) };
  } finally {
    await context.close();
  }
}

/** One frame at 25 fps: the most a cue may sit off its side file's time on the element's timeline. */
export const CUE_TOLERANCE_SEC = 0.04;

/** Each expected cue is among the read ones (a player may hold a cue twice, once per segment it came in), within a frame. */
export function expectCues(read: readonly ReadCue[], expected: readonly TestCue[]): void {
  for (const cue of expected) {
    const match = read.find((r) => r.text === cue.text);
    expect(match, `${cue.text} among ${JSON.stringify(read)}`).toBeDefined();
    expect(Math.abs(match!.startSec - cue.startSec), `${cue.text} starts at ${match!.startSec}`).toBeLessThanOrEqual(CUE_TOLERANCE_SEC);
    expect(Math.abs(match!.endSec - cue.endSec), `${cue.text} ends at ${match!.endSec}`).toBeLessThanOrEqual(CUE_TOLERANCE_SEC);
  }
}
