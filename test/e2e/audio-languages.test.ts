// Several audio languages: a rendition's audio tracks and a set's audio-only renditions as EXT-X-MEDIA groups and DASH AdaptationSets, read back with ffmpeg.

import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitrates } from '../../daemon/master/bitrate.js';
import { makeClip } from '../helpers/clip.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { parseAttributes, parseMaster } from '../helpers/m3u8.js';
import { playlistSegments } from '../helpers/media.js';
import { probePackets } from '../helpers/probe.js';
import { THREE_LANGUAGES, audioPacketCount, makeLanguageAudio, makeMultiAudioClip, streamTypes, toneHz } from '../helpers/multi-audio.js';

let daemon: ListeningDaemon;
const TITLE = 'talk.mp4';
const SET = 'news_,video_360.mp4,audio_en.m4a,audio_fr.m4a,.csmil';

beforeAll(async () => {
  daemon = await startListeningDaemon({ segment_duration: 2 });
  makeMultiAudioClip(path.join(daemon.mediaRoot, TITLE), THREE_LANGUAGES);
  const withAudio = makeClip(path.join(daemon.mediaRoot, 'with-audio.mp4'), { durationSec: 6 });
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', withAudio, '-an', '-c', 'copy', path.join(daemon.mediaRoot, 'news_video_360.mp4')]);
  makeLanguageAudio(path.join(daemon.mediaRoot, 'news_audio_en.m4a'), { language: 'und', toneHz: 300 });
  makeLanguageAudio(path.join(daemon.mediaRoot, 'news_audio_fr.m4a'), { language: 'und', toneHz: 600 });
  // A ladder rung with B-frames (its first DTS 80 ms before zero) and a GOP of 1 s, which divides segment_duration.
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=6',
    '-c:v', 'libx264', '-preset', 'medium', '-bf', '2', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-movflags', '+faststart', path.join(daemon.mediaRoot, 'ladder_video_360.mp4'),
  ]);
  makeLanguageAudio(path.join(daemon.mediaRoot, 'ladder_audio_en.m4a'), { language: 'eng', toneHz: 300 });
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
});

async function text(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return response.text();
}

function mediaLines(master: string): Record<string, string>[] {
  return master.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA:')).map((l) => parseAttributes(l.slice('#EXT-X-MEDIA:'.length)));
}

/** Peak and average bit rates of a media playlist from the sizes of the segments served. */
async function servedBitrates(playlistUrl: string): Promise<{ peakBps: number; averageBps: number }> {
  const segments = playlistSegments(await text(playlistUrl));
  const sized = await Promise.all(segments.map(async (s) => ({ sizeBytes: (await (await fetch(new URL(s.uri, playlistUrl))).arrayBuffer()).byteLength, durationSec: s.durationSec })));
  return bitrates(sized);
}


describe('a rendition with three audio tracks', () => {
  it('lists its tracks as one EXT-X-MEDIA audio group with languages, names in their language, English the default', async () => {
    const master = await text(`${daemon.baseUrl}/i/${TITLE}/master.m3u8`);
    const media = mediaLines(master);
    expect(media.map((m) => [m.LANGUAGE, m.NAME, m.DEFAULT, m.AUTOSELECT, m.CHANNELS, m.URI, m['GROUP-ID']])).toEqual([
      ['en', 'English', 'YES', 'YES', '1', 'index_1_a.m3u8', 'audio'],
      ['fr', 'français', 'NO', 'YES', '1', 'index_2_a.m3u8', 'audio'],
      ['de', 'Deutsch', 'NO', 'YES', '1', 'index_3_a.m3u8', 'audio'],
    ]);
    const [variant] = parseMaster(master).variants;
    expect(variant.uri).toBe('index_0_v.m3u8');
    expect(variant.attributes.AUDIO).toBe('audio');
    expect(variant.attributes.CODECS).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
  });

  it('counts the video and its most demanding audio rendition in BANDWIDTH and AVERAGE-BANDWIDTH, as served', async () => {
    const base = `${daemon.baseUrl}/i/${TITLE}/`;
    const [variant] = parseMaster(await text(`${base}master.m3u8`)).variants;
    const video = await servedBitrates(`${base}index_0_v.m3u8`);
    const audio = await Promise.all([1, 2, 3].map((k) => servedBitrates(`${base}index_${k}_a.m3u8`)));
    expect(Number(variant.attributes.BANDWIDTH)).toBe(video.peakBps + Math.max(...audio.map((a) => a.peakBps)));
    expect(Number(variant.attributes['AVERAGE-BANDWIDTH'])).toBe(video.averageBps + Math.max(...audio.map((a) => a.averageBps)));
  });

  it('serves each audio rendition as audio-only MPEG-TS that ffmpeg reads whole, with its own tone, cut where the video is', async () => {
    const base = `${daemon.baseUrl}/i/${TITLE}/`;
    const videoCuts = playlistSegments(await text(`${base}index_0_v.m3u8`)).map((s) => s.durationSec);
    for (const [k, spec] of THREE_LANGUAGES.entries()) {
      const url = `${base}index_${k + 1}_a.m3u8`;
      expect(playlistSegments(await text(url)).map((s) => s.durationSec)).toEqual(videoCuts);
      expect(await streamTypes(url)).toEqual(['audio']);
      expect(await audioPacketCount(url)).toBe(await audioPacketCount(path.join(daemon.mediaRoot, TITLE), k));
      expect(Math.abs((await toneHz(url)) - spec.toneHz)).toBeLessThan(spec.toneHz * 0.03);
    }
  });

  it('refuses an audio track the rendition does not have with 404', async () => {
    const response = await fetch(`${daemon.baseUrl}/i/${TITLE}/index_4_a.m3u8`);
    expect(response.status).toBe(404);
    expect((await fetch(`${daemon.baseUrl}/i/${TITLE}/segment1_4_a.ts`)).status).toBe(404);
  });

  it('gives the CMAF master the same group over audio<k> playlists, each read whole by ffmpeg with its tone', async () => {
    const base = `${daemon.baseUrl}/i/${TITLE}/cmaf/`;
    const master = await text(`${base}master.m3u8`);
    expect(mediaLines(master).map((m) => [m.LANGUAGE, m.NAME, m.DEFAULT, m.URI])).toEqual([
      ['en', 'English', 'YES', 'audio1.m3u8'],
      ['fr', 'français', 'NO', 'audio2.m3u8'],
      ['de', 'Deutsch', 'NO', 'audio3.m3u8'],
    ]);
    expect(parseMaster(master).variants.map((v) => [v.uri, v.attributes.AUDIO])).toEqual([['video.m3u8', 'audio']]);
    for (const [k, spec] of THREE_LANGUAGES.entries()) {
      const url = `${base}audio${k + 1}.m3u8`;
      expect(await audioPacketCount(url)).toBe(await audioPacketCount(path.join(daemon.mediaRoot, TITLE), k));
      expect(Math.abs((await toneHz(url)) - spec.toneHz)).toBeLessThan(spec.toneHz * 0.03);
    }
  });

  it('gives the MPD one audio AdaptationSet per language with lang, the track\'s NAME as Label, Role main on the default', async () => {
    const mpd = await text(`${daemon.baseUrl}/i/${TITLE}/cmaf/manifest.mpd`);
    const sets = [...mpd.matchAll(/<AdaptationSet [^>]*contentType="audio"[^>]*>[\s\S]*?<\/AdaptationSet>/g)].map((m) => m[0]);
    expect(sets.map((s) => /lang="([^"]+)"/.exec(s)?.[1])).toEqual(['en', 'fr', 'de']);
    expect(sets.map((s) => s.includes('<Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>'))).toEqual([true, false, false]);
    expect(sets.map((s) => /<Label>([^<]*)<\/Label>/.exec(s)?.[1])).toEqual(['English', 'français', 'Deutsch']);
    expect(sets.map((s) => /initialization="([^"]+)"/.exec(s)?.[1])).toEqual(['audio1_init.mp4', 'audio2_init.mp4', 'audio3_init.mp4']);
    expect((await streamTypes(`${daemon.baseUrl}/i/${TITLE}/cmaf/manifest.mpd`)).sort()).toEqual(['audio', 'audio', 'audio', 'video']);
  });
});

describe('a rendition set mixing video and audio-only renditions', () => {
  it('makes the audio-only renditions one group every video variant plays with, languages from their file names', async () => {
    const master = await text(`${daemon.baseUrl}/i/${SET}/master.m3u8`);
    expect(mediaLines(master).map((m) => [m.LANGUAGE, m.NAME, m.DEFAULT, m.URI])).toEqual([
      ['en', 'English', 'YES', '../news_audio_en.m4a/index_0_av.m3u8'],
      ['fr', 'français', 'NO', '../news_audio_fr.m4a/index_0_av.m3u8'],
    ]);
    const variants = parseMaster(master).variants;
    expect(variants.map((v) => [v.uri, v.attributes.AUDIO])).toEqual([['../news_video_360.mp4/index_0_av.m3u8', 'audio']]);
    expect(variants[0].attributes.CODECS).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    const french = `${daemon.baseUrl}/i/news_audio_fr.m4a/index_0_av.m3u8`;
    expect(Math.abs((await toneHz(french)) - 600)).toBeLessThan(18);
  });

  it('does the same in the CMAF master and the MPD', async () => {
    const master = await text(`${daemon.baseUrl}/i/${SET}/cmaf/master.m3u8`);
    expect(mediaLines(master).map((m) => [m.LANGUAGE, m.URI])).toEqual([
      ['en', '../../news_audio_en.m4a/cmaf/audio.m3u8'],
      ['fr', '../../news_audio_fr.m4a/cmaf/audio.m3u8'],
    ]);
    const mpd = await text(`${daemon.baseUrl}/i/${SET}/cmaf/manifest.mpd`);
    expect([...mpd.matchAll(/<AdaptationSet [^>]*lang="([^"]+)"/g)].map((m) => m[1])).toEqual(['en', 'fr']);
    expect([...mpd.matchAll(/<Label>([^<]*)<\/Label>/g)].map((m) => m[1])).toEqual(['English', 'français']);
  });
});

/** The earliest PTS (90 kHz) of each MPEG-TS segment of a media playlist, as ffprobe reads each segment alone. */
async function segmentStarts90k(playlistUrl: string): Promise<number[]> {
  const segments = playlistSegments(await text(playlistUrl));
  return Promise.all(segments.map(async (s) => Math.min(...(await probePackets(new URL(s.uri, playlistUrl).href)).map((p) => p.pts90k))));
}

/** One AAC frame (1024 samples) at 48 kHz, in 90 kHz ticks. */
const AAC_FRAME_90K = (1024 * 90_000) / 48_000;

describe('the audio-only rendition of a set with a video ladder', () => {
  it('starts each audio segment within one audio frame of the video segment of the same number, whichever URL was asked first', async () => {
    // The audio alone first: its files are cached before the set names it, and must serve the set as they are.
    const audioStarts = await segmentStarts90k(`${daemon.baseUrl}/i/ladder_audio_en.m4a/index_0_av.m3u8`);
    const master = await text(`${daemon.baseUrl}/i/ladder_,video_360.mp4,audio_en.m4a,.csmil/master.m3u8`);
    expect(mediaLines(master).map((m) => m.URI)).toEqual(['../ladder_audio_en.m4a/index_0_av.m3u8']);
    const videoStarts = await segmentStarts90k(`${daemon.baseUrl}/i/ladder_video_360.mp4/index_0_av.m3u8`);
    expect(videoStarts).toEqual([90_000, 270_000, 450_000]);
    expect(audioStarts).toHaveLength(videoStarts.length);
    // Segment 1 of the audio starts with its priming frame, before zero; every later one at the first frame at or after the video's cut.
    for (const [k, start] of audioStarts.entries()) {
      expect(Math.abs(start - videoStarts[k]), `segment ${k + 1}: audio ${start}, video ${videoStarts[k]}`).toBeLessThanOrEqual(AAC_FRAME_90K);
    }
  });
});

it('keeps the master of a rendition with one audio track as it was: no group, the muxed playlist', async () => {
  const master = await text(`${daemon.baseUrl}/i/with-audio.mp4/master.m3u8`);
  expect(mediaLines(master)).toEqual([]);
  expect(parseMaster(master).variants.map((v) => v.uri)).toEqual(['index_0_av.m3u8']);
  await fs.access(path.join(daemon.mediaRoot, 'with-audio.mp4'));
});
