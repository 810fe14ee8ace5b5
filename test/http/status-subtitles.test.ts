// The status page's player offers a rendition's subtitle tracks and shows the one the operator picks.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openPage } from '../helpers/browser.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { makeSubtitledClip } from '../helpers/subtitled-clip.js';

let browser: Browser;
let served: ListeningDaemon;

beforeAll(async () => {
  served = await startListeningDaemon({ segment_duration: 2 });
  makeSubtitledClip(served.mediaRoot, 'clip');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

describe('the status page player and subtitles', () => {
  it('lists the subtitle tracks of the rendition it plays, and shows the cues of the one chosen', async () => {
    const { page, errors } = await openPage(browser, `${served.baseUrl}/_casterpak/?play=clip.mp4#player`);
    await page.waitForFunction(() => (document.getElementById('player-subtitles') as HTMLSelectElement).options.length === 4, undefined, { timeout: 30_000 });
    const options = await page.$$eval('#player-subtitles option', (els) => els.map((el) => el.textContent));
    expect(options).toEqual(['Off', 'English (en)', 'French (fr)', 'German (de)']);
    await page.selectOption('#player-subtitles', { label: 'French (fr)' });
    await page.waitForFunction(
      () => Array.from((document.getElementById('video') as HTMLVideoElement).textTracks).some((t) => t.mode === 'showing' && Array.from(t.cues ?? []).some((c) => (c as VTTCue).text === 'Au revoir')),
      undefined,
      { timeout: 30_000 },
    );
    const showing = await page.evaluate(() =>
      Array.from((document.getElementById('video') as HTMLVideoElement).textTracks)
        .filter((t) => t.mode === 'showing')
        .map((t) => ({ language: t.language, cues: Array.from(t.cues ?? []).map((c) => [c.startTime, (c as VTTCue).text]) })),
    );
    expect(showing).toHaveLength(1);
    expect(showing[0].language).toBe('fr');
    // On the element's timeline, within a frame: hls.js starts it at the earliest sample (the audio's priming, 21 ms early).
    const farewell = showing[0].cues.find(([, text]) => text === 'Au revoir');
    expect(Math.abs((farewell?.[0] as number) - 2.4)).toBeLessThanOrEqual(0.04);
    expect(errors).toEqual([]);
  }, 90_000);
});
