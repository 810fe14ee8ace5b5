// hls.js plays the fMP4 HLS, Shaka Player and dash.js the DASH presentation, in Debian's Chromium, through nginx.

import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { playWith, unexpectedNotices, type PlayerName, type PlayerRun } from '../helpers/cmaf-players.js';
import { makeClip, probeDurationSec } from '../helpers/clip.js';
import { makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { LADDER_FPS, makeLadder } from '../helpers/ladder.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { descendants, mpdProblems, parseXmlInBrowser, timelineSegments } from '../helpers/mpd-check.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';

const CLIP = { durationSec: 5, fps: 25 };
const SET = 'clip_,360,540,720,p.mp4.csmil';

let browser: Browser;
let daemon: ListeningDaemon;
let nginx: RunningNginx;
let clipSec: number;
let ladderSec: number;

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2, mode: 'nginx' });
  makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), CLIP);
  const ladder = await makeLadder(path.join(daemon.mediaRoot, 'ladder'));
  clipSec = probeDurationSec(path.join(daemon.mediaRoot, 'clip.mp4'));
  ladderSec = probeDurationSec(ladder[0]);
  nginx = await startNginx({ config: daemon.configForNginx });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await nginx?.stop();
  await daemon?.stop();
  await removeMediaDir();
});

function expectPlayedToTheEnd(run: PlayerRun, sourceSec: number, fps: number): void {
  expect(unexpectedNotices(run.playerErrors)).toEqual([]);
  expect(run.pageErrors).toEqual([]);
  expect(run.ended, `stopped at ${run.currentTime} of ${run.duration}, buffered ${run.buffered}`).toBe(true);
  expect(Math.abs(run.duration - sourceSec)).toBeLessThan(0.15);
  expect(run.currentTime).toBeGreaterThanOrEqual(run.duration - 0.1);
  expect(run.totalVideoFrames).toBeGreaterThanOrEqual(Math.floor(sourceSec * fps * 0.9));
}

const CASES: Array<[PlayerName, string]> = [
  ['hls.js', 'cmaf/master.m3u8'],
  ['shaka', 'cmaf/manifest.mpd'],
  ['dash.js', 'cmaf/manifest.mpd'],
];

/** Shaka Player takes the fMP4 HLS presentation as well as the DASH one. */
const WITH_SHAKA_HLS: Array<[PlayerName, string]> = [...CASES, ['shaka', 'cmaf/master.m3u8']];

async function get(url: string): Promise<Response> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response;
}

/** The MPD at `mpdUrl` has the schema's structure, and every init and media segment it names is served. */
async function checkMpd(mpdUrl: string): Promise<{ representations: number; segments: number }> {
  const root = await parseXmlInBrowser(browser, await (await get(mpdUrl)).text());
  expect(mpdProblems(root)).toEqual([]);
  let segments = 0;
  const representations = descendants(root, 'Representation');
  for (const representation of representations) {
    const template = representation.children.find((c) => c.name === 'SegmentTemplate');
    if (!template) throw new Error('Representation without SegmentTemplate');
    const init = await get(new URL(template.attrs.initialization, mpdUrl).href);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    for (const segment of timelineSegments(template)) {
      const media = template.attrs.media.replace('$Number$', String(segment.number));
      await (await get(new URL(media, mpdUrl).href)).arrayBuffer();
      segments += 1;
    }
  }
  return { representations: representations.length, segments };
}

describe('CMAF playback in Chromium through nginx', () => {
  it.each(WITH_SHAKA_HLS)('%s plays %s of an H.264/AAC rendition to the end with no error', async (player, file) => {
    const run = await playWith(browser, player, `${nginx.baseUrl}/i/clip.mp4/${file}`);
    expectPlayedToTheEnd(run, clipSec, CLIP.fps);
  }, 90_000);

  it.each(WITH_SHAKA_HLS)('%s plays %s of a three-rendition csmil ladder to the end with no error, switching renditions on the way', async (player, file) => {
    const run = await playWith(browser, player, `${nginx.baseUrl}/i/ladder/${SET}/${file}`, { switchRendition: true });
    expectPlayedToTheEnd(run, ladderSec, LADDER_FPS);
    expect(run.switched, 'the player took a forced switch to another rendition').toBeDefined();
    // Video segments of at least two renditions were fetched and played: the switch happened in the stream.
    const renditions = new Set(run.segmentUrls.map((u) => /\/(clip_\w+?\.mp4)\/cmaf\/video_/.exec(u)?.[1]).filter(Boolean));
    expect(renditions.size, run.segmentUrls.join('\n')).toBeGreaterThanOrEqual(2);
  }, 90_000);

  it.each(CASES)('%s plays %s of a stream-copy cut to its end', async (player, file) => {
    const cut = path.join(daemon.mediaRoot, 'cut.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '1.3', '-i', path.join(daemon.mediaRoot, 'clip.mp4'), '-t', '3', '-c', 'copy', cut]);
    const presentedSec = probeDurationSec(cut);
    const run = await playWith(browser, player, `${nginx.baseUrl}/i/cut.mp4/${file}`);
    expect(run.playerErrors).toEqual([]);
    expect(run.pageErrors).toEqual([]);
    expect(run.ended, `stopped at ${run.currentTime} of ${run.duration}, buffered ${run.buffered}`).toBe(true);
    if (player === 'hls.js') {
      // hls.js starts its timeline at the earliest sample it is given: it shows the hidden pre-roll too (at most a 2 s GOP).
      expect(run.duration).toBeGreaterThanOrEqual(presentedSec - 0.05);
      expect(run.duration).toBeLessThan(presentedSec + 2);
    } else {
      // The period starts at the presentation start (presentationTimeOffset): the DASH players end on time.
      expect(Math.abs(run.duration - presentedSec)).toBeLessThan(0.1);
    }
  }, 90_000);

  it('the MPDs parse as XML with the structure of the DASH schema, and every segment they name is served', async () => {
    expect(await checkMpd(`${nginx.baseUrl}/i/clip.mp4/cmaf/manifest.mpd`)).toEqual({ representations: 2, segments: 6 });
    const ladder = await checkMpd(`${nginx.baseUrl}/i/ladder/${SET}/cmaf/manifest.mpd`);
    expect(ladder.representations).toBe(6);
  }, 60_000);

  it('the MPDs of HEVC (hvc1, hev1), AC-3, E-AC-3, MP3, video-only, audio-only, edit-list and open-GOP renditions pass the schema check too', async () => {
    const names = ['hevc-aac.mp4', 'h264-ac3.mp4', 'h264-mp3.mp4', 'video-only-h264.mp4', 'audio-only-aac44k-stereo.m4a', 'h264-edit-list-cut.mp4', 'h264-open-gop.mp4'];
    await makeMedia(names);
    for (const name of names) await fs.copyFile(await mediaFile(name), path.join(daemon.mediaRoot, name));
    // HEVC under the hev1 sample entry, with E-AC-3 audio.
    execFileSync('ffmpeg', [
      '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4',
      '-c:v', 'libx265', '-x265-params', 'keyint=25:min-keyint=25:scenecut=0:log-level=none', '-tag:v', 'hev1', '-c:a', 'eac3', '-b:a', '96k',
      path.join(daemon.mediaRoot, 'hevc-hev1-eac3.mp4'),
    ]);
    for (const name of [...names, 'hevc-hev1-eac3.mp4']) {
      const root = await parseXmlInBrowser(browser, await (await get(`${nginx.baseUrl}/i/${name}/cmaf/manifest.mpd`)).text());
      expect([name, mpdProblems(root)]).toEqual([name, []]);
      const codecs = descendants(root, 'Representation').map((r) => r.attrs.codecs);
      expect(codecs.length, name).toBe(name.startsWith('video-only') || name.startsWith('audio-only') ? 1 : 2);
    }
  }, 120_000);

  it('the MPD check refuses what the DASH schema refuses: an undeclared attribute, a value outside its type, children out of order', async () => {
    const mpd = await (await get(`${nginx.baseUrl}/i/clip.mp4/cmaf/manifest.mpd`)).text();
    const problemsOf = async (text: string) => mpdProblems(await parseXmlInBrowser(browser, text));
    expect(await problemsOf(mpd)).toEqual([]);
    const bandwidth = /bandwidth="\d+"/;
    expect(await problemsOf(mpd.replace(bandwidth, '$& peakBandwidth="1"'))).toEqual([expect.stringMatching(/@peakBandwidth is not in the schema/)]);
    expect(await problemsOf(mpd.replace(bandwidth, 'bandwidth="4294967296"'))).toEqual([expect.stringMatching(/@bandwidth="4294967296" is not of its schema type/)]);
    expect(await problemsOf(mpd.replace(/frameRate="[^"]+"/, 'frameRate="25.0"'))).toEqual([expect.stringMatching(/@frameRate="25.0" is not of its schema type/)]);
    expect(await problemsOf(mpd.replace('type="static"', 'type="static" minBufferTime="PT"').replace(/ minBufferTime="PT[\d.]+S"/, ''))).toEqual([expect.stringMatching(/@minBufferTime="PT" is not of its schema type/)]);
    // AudioChannelConfiguration belongs before SegmentTemplate (RepresentationBaseType comes first).
    const channels = /\s*<AudioChannelConfiguration[^>]*\/>/.exec(mpd)?.[0] ?? '';
    const moved = mpd.replace(channels, '').replace(/(<\/SegmentTemplate>)(\s*<\/Representation>\s*<\/AdaptationSet>\s*<\/Period>)/, `$1${channels}$2`);
    expect(await problemsOf(moved)).toEqual([expect.stringMatching(/Representation\[0\]: children out of order/)]);
    expect(await problemsOf(mpd.replace('<SegmentTimeline>', '<SegmentTimeline><S d="1"/></SegmentTimeline><SegmentTimeline>'))).toContainEqual(expect.stringMatching(/2 SegmentTimeline where the schema allows 1/));
  });

  it('a csmil MPD has one AdaptationSet per media type, representations by ascending bandwidth', async () => {
    const root = await parseXmlInBrowser(browser, await (await get(`${nginx.baseUrl}/i/ladder/${SET}/cmaf/manifest.mpd`)).text());
    const sets = descendants(root, 'AdaptationSet');
    expect(sets.map((s) => s.attrs.contentType)).toEqual(['video', 'audio']);
    const heights = sets[0].children.map((r) => Number(r.attrs.height));
    expect(heights).toEqual([360, 540, 720]);
    for (const set of sets) {
      const bandwidths = set.children.map((r) => Number(r.attrs.bandwidth));
      expect(bandwidths).toEqual([...bandwidths].sort((a, b) => a - b));
    }
  });

  it('nginx serves CMAF hits itself, with the types and cache lifetimes of the drop-in', async () => {
    const init = `${nginx.baseUrl}/i/clip.mp4/cmaf/video_init.mp4`;
    await get(init);
    const missesBefore = daemon.daemon.filler.stats.misses;
    const hit = await get(init);
    expect(hit.headers.get('content-type')).toBe('video/mp4');
    expect(hit.headers.get('cache-control')).toBe('public, max-age=60');
    const segment = await get(`${nginx.baseUrl}/i/clip.mp4/cmaf/audio_1.m4s`);
    expect(segment.headers.get('content-type')).toBe('video/mp4');
    const mpd = await get(`${nginx.baseUrl}/i/clip.mp4/cmaf/manifest.mpd`);
    expect(mpd.headers.get('content-type')).toBe('application/dash+xml');
    expect(mpd.headers.get('cache-control')).toBe('public, max-age=60');
    expect(daemon.daemon.filler.stats.misses).toBe(missesBefore);
    // The daemon counts nginx's hits from its access log, as for MPEG-TS files.
    const deadline = Date.now() + 20_000;
    const hitsOf = () => daemon.daemon.store.fileByPath('i/clip.mp4/cmaf/video_init.mp4')?.hits ?? 0;
    while (hitsOf() < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hitsOf()).toBeGreaterThanOrEqual(2);
  });
});
