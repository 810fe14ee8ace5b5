// hls.js, Shaka Player and dash.js in Chromium: list a presentation's audio languages, switch to another one while playing.

import type { Browser } from 'playwright-core';
import { PLAYER_SCRIPTS, startPlayer, type PlayerName } from './cmaf-players.js';

export interface AudioSwitchRun {
  /** The languages the player lists, in its order. */
  readonly languages: string[];
  /** The names it shows for them. */
  readonly labels: string[];
  /** The language the player says it plays after the switch. */
  readonly playing: string;
  readonly timeAtSwitch: number;
  /** Where playback was when the player had fetched audio of the new language and played on. */
  readonly timeAfter: number;
  /** Media URLs fetched after the switch. */
  readonly urlsAfterSwitch: string[];
  readonly playerErrors: string[];
  readonly pageErrors: string[];
}

/** The languages of the player's audio tracks (each once), in the player's order; empty until it knows them. */
export function audioLanguages(player: PlayerName): string[] {
  const p = (window as unknown as Record<string, any>).player;
  let langs: string[] = [];
  if (player === 'hls.js') langs = (p.audioTracks ?? []).map((t: { lang?: string }) => t.lang ?? '');
  else if (player === 'shaka') langs = (p.getVariantTracks?.() ?? []).map((t: { language: string }) => t.language);
  else langs = (p.getTracksFor?.('audio') ?? []).map((t: { lang?: string }) => t.lang ?? '');
  return [...new Set(langs)];
}

/**
 * The name each player shows for each audio language, in its order: hls.js the EXT-X-MEDIA NAME, Shaka
 * and dash.js the AdaptationSet's Label (empty when a player has none to show).
 */
export function audioLabels(player: PlayerName): string[] {
  const p = (window as unknown as Record<string, any>).player;
  if (player === 'hls.js') return (p.audioTracks ?? []).map((t: { name?: string }) => t.name ?? '');
  if (player === 'shaka') return (p.getAudioTracks?.() ?? []).map((t: { label?: string | null }) => t.label ?? '');
  return (p.getTracksFor?.('audio') ?? []).map((t: { labels?: Array<{ text: string }> }) => t.labels?.[0]?.text ?? '');
}

/** Asks the player for `language`, through its own API. */
export function selectLanguage(player: PlayerName, language: string): void {
  const p = (window as unknown as Record<string, any>).player;
  if (player === 'hls.js') p.audioTrack = p.audioTracks.findIndex((t: { lang?: string }) => t.lang === language);
  else if (player === 'shaka') p.selectAudioTrack(p.getAudioTracks().find((t: { language: string }) => t.language === language));
  else p.setCurrentTrack(p.getTracksFor('audio').find((t: { lang?: string }) => t.lang === language));
}

/** The language the player plays now. */
export function playingLanguage(player: PlayerName): string {
  const p = (window as unknown as Record<string, any>).player;
  if (player === 'hls.js') return p.audioTracks[p.audioTrack]?.lang ?? '';
  if (player === 'shaka') return p.getVariantTracks().find((t: { active: boolean }) => t.active)?.language ?? '';
  return p.getCurrentTrackFor('audio')?.lang ?? '';
}

export interface SwitchOptions {
  readonly to: string;
  /** A fetched URL of the new language's audio matches this. */
  readonly newAudioUrl: RegExp;
  readonly timeoutMs?: number;
}

/** Plays `url`, lists its audio languages, switches to `options.to` a second in, and plays on with it. */
export async function switchAudio(browser: Browser, player: PlayerName, url: string, options: SwitchOptions): Promise<AudioSwitchRun> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const context = await browser.newContext();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const requested: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
  page.on('request', (request) => requested.push(request.url()));
  const time = () => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime);
  try {
    await page.setContent('<!doctype html><html><body><video id="v" muted playsinline></video></body></html>');
    await page.addScriptTag({ path: PLAYER_SCRIPTS[player] });
    await page.evaluate(`(${startPlayer.toString()})(${JSON.stringify(player)}, ${JSON.stringify(url)})`);
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 1, undefined, { timeout: timeoutMs });
    const languages = (await page.evaluate(`(${audioLanguages.toString()})(${JSON.stringify(player)})`)) as string[];
    const labels = (await page.evaluate(`(${audioLabels.toString()})(${JSON.stringify(player)})`)) as string[];
    const timeAtSwitch = await time();
    const before = requested.length;
    await page.evaluate(`(${selectLanguage.toString()})(${JSON.stringify(player)}, ${JSON.stringify(options.to)})`);
    // Playing on after the new language's audio arrived: the switch happened mid-stream and did not stall.
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !requested.slice(before).some((u) => options.newAudioUrl.test(u))) await page.waitForTimeout(100);
    const fetchedAt = await time();
    await page
      .waitForFunction((t) => { const v = document.getElementById('v') as HTMLVideoElement; return v.currentTime > t + 1 || v.ended; }, fetchedAt, { timeout: timeoutMs })
      .catch(() => undefined); // reported through timeAfter
    const playing = (await page.evaluate(`(${playingLanguage.toString()})(${JSON.stringify(player)})`)) as string;
    const playerErrors = (await page.evaluate(() => (window as unknown as { playerErrors: string[] }).playerErrors)) ?? [];
    return { languages, labels, playing, timeAtSwitch, timeAfter: await time(), urlsAfterSwitch: requested.slice(before), playerErrors, pageErrors };
  } finally {
    await context.close();
  }
}
