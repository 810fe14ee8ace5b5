// Subtitle tracks through the real daemon: side files and a mov_text track listed in every master, WebVTT segments
// on the media's cuts and timeline (checked against ffprobe's reading of the TS and fMP4 segments), cached like any file.

import { execFileSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebVTTParser } from 'webvtt-parser';
import { invalidateRendition } from '../../daemon/cache/invalidate.js';
import { createLogger } from '../../daemon/log.js';
import { box, bytes, fourcc, u16, u8, zeros } from '../helpers/boxes.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { avcNal, buildMovie, nalSample, simpleVideo } from '../helpers/mp4-builder.js';
import { makeClip } from '../helpers/clip.js';
import { probePackets } from '../helpers/probe.js';
import { ENGLISH_CUES, FRENCH_CUES, GERMAN_CUES, makeSubtitledClip, type TestCue } from '../helpers/subtitled-clip.js';

const FRAME_90K = 90_000 / 25;

let daemon: InProcessDaemon;
const logLines: Array<{ level: number; msg: string; file?: string; code?: string }> = [];

async function text(urlPath: string, status = 200): Promise<string> {
  const response = await daemon.request(urlPath);
  const body = await response.text();
  expect(response.status, `${urlPath}: ${body}`).toBe(status);
  return body;
}

/** Cues of a WebVTT text, and its MPEGTS/LOCAL map; the one parser complaint tolerated is the header line RFC 8216 §3.5 asks for. */
function parseVtt(body: string): { cues: Array<{ startSec: number; endSec: number; text: string }>; mpegts?: number; localSec?: number } {
  const tree = new WebVTTParser().parse(body, 'metadata');
  expect(tree.errors.filter((e: { message: string }) => e.message !== 'No blank line after the signature.')).toEqual([]);
  const map = /X-TIMESTAMP-MAP=MPEGTS:(\d+),LOCAL:(\d+):(\d+):(\d+)\.(\d+)/.exec(body);
  const cues = tree.cues.map((c: { startTime: number; endTime: number; text: string }) => ({ startSec: c.startTime, endSec: c.endTime, text: c.text }));
  if (!map) return { cues };
  const [h, m, s, ms] = map.slice(2).map(Number);
  return { cues, mpegts: Number(map[1]), localSec: h * 3600 + m * 60 + s + ms / 1000 };
}

/** Every cue of a subtitle playlist's segments as media timestamps (90 kHz), through each segment's X-TIMESTAMP-MAP. */
async function mappedCues(playlistPath: string): Promise<Array<{ start90k: number; end90k: number; text: string }>> {
  const playlist = await text(playlistPath);
  const dir = playlistPath.slice(0, playlistPath.lastIndexOf('/') + 1);
  const seen = new Map<string, { start90k: number; end90k: number; text: string }>();
  for (const uri of playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'))) {
    const segment = parseVtt(await text(dir + uri));
    expect(segment.mpegts).toBeDefined();
    for (const cue of segment.cues) {
      const to90k = (sec: number) => segment.mpegts! + Math.round((sec - segment.localSec!) * 90_000);
      const mapped = { start90k: to90k(cue.startSec), end90k: to90k(cue.endSec), text: cue.text };
      seen.set(`${mapped.start90k}-${mapped.text}`, mapped);
    }
  }
  return [...seen.values()].sort((a, b) => a.start90k - b.start90k);
}

/** The cues land where the side file puts them: its time t is the video presented at t, whose stamp is `origin90k + t`. */
function expectOnTimeline(mapped: Awaited<ReturnType<typeof mappedCues>>, expected: readonly TestCue[], origin90k: number): void {
  expect(mapped.map((c) => c.text)).toEqual(expected.map((c) => c.text));
  mapped.forEach((cue, k) => {
    expect(Math.abs(cue.start90k - (origin90k + expected[k].startSec * 90_000))).toBeLessThanOrEqual(FRAME_90K);
    expect(Math.abs(cue.end90k - (origin90k + expected[k].endSec * 90_000))).toBeLessThanOrEqual(FRAME_90K);
  });
}

async function firstVideoPts90k(file: string): Promise<number> {
  return Math.min(...(await probePackets(file)).filter((p) => p.type === 'video').map((p) => p.pts90k));
}

beforeAll(async () => {
  const destination = new Writable({ write: (chunk, _enc, done) => (logLines.push(JSON.parse(String(chunk))), done()) });
  daemon = inProcessDaemon({ segment_duration: 2 }, { log: createLogger('info', { destination, pretty: false }) });
  makeSubtitledClip(daemon.mediaRoot, 'clip');
}, 60_000);

describe('subtitle tracks of a rendition', () => {
  it('lists the side files and the mov_text track as SUBTITLES renditions in the MPEG-TS and CMAF masters, the variant naming the group', async () => {
    const ts = await text('/i/clip.mp4/master.m3u8');
    expect(ts).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="subs_en.m3u8"\n');
    expect(ts).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="French",LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,URI="subs_fr.m3u8"\n');
    expect(ts).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="German",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,URI="subs_track3.m3u8"\n');
    expect(ts).toMatch(/#EXT-X-STREAM-INF:.*,SUBTITLES="subs",CLOSED-CAPTIONS=NONE\nindex_0_av\.m3u8\n/);
    const cmaf = await text('/i/clip.mp4/cmaf/master.m3u8');
    expect(cmaf.match(/TYPE=SUBTITLES/g)).toHaveLength(3);
    expect(cmaf).toContain('URI="../subs_en.m3u8"');
    expect(cmaf).toMatch(/#EXT-X-STREAM-INF:.*,AUDIO="audio-1",SUBTITLES="subs",CLOSED-CAPTIONS=NONE\nvideo\.m3u8\n/);
    const mpd = await text('/i/clip.mp4/cmaf/manifest.mpd');
    expect(mpd).toContain('<AdaptationSet id="2" contentType="text" mimeType="text/vtt" lang="en">');
    expect(mpd).toContain('<BaseURL>../subs_track3.vtt</BaseURL>');
  });

  it('cuts WebVTT segments at the media segments, and their cues mapped through X-TIMESTAMP-MAP land on the TS video within a frame', async () => {
    const media = await text('/i/clip.mp4/index_0_av.m3u8');
    const subs = await text('/i/clip.mp4/subs_en.m3u8');
    const extinf = (playlist: string) => playlist.split('\n').filter((l) => l.startsWith('#EXTINF'));
    expect(extinf(subs)).toEqual(extinf(media));
    // ffprobe reads the stamp the TS muxer gave the first picture, and the MP4's own first presentation time.
    const tsSegment = path.join(daemon.cacheDir, 'seg1.ts');
    await fs.writeFile(tsSegment, new Uint8Array(await (await daemon.request('/i/clip.mp4/segment1_0_av.ts')).arrayBuffer()));
    const origin90k = (await firstVideoPts90k(tsSegment)) - (await firstVideoPts90k(path.join(daemon.mediaRoot, 'clip.mp4')));
    expectOnTimeline(await mappedCues('/i/clip.mp4/subs_en.m3u8'), ENGLISH_CUES, origin90k);
    expectOnTimeline(await mappedCues('/i/clip.mp4/subs_fr.m3u8'), FRENCH_CUES, origin90k);
    expectOnTimeline(await mappedCues('/i/clip.mp4/subs_track3.m3u8'), GERMAN_CUES, origin90k);
    // The cue across the 2 s cut is in both segments.
    expect(parseVtt(await text('/i/clip.mp4/subs_en_1.vtt')).cues.map((c) => c.text)).toEqual(['Hello', 'Across the cut']);
    expect(parseVtt(await text('/i/clip.mp4/subs_en_2.vtt')).cues.map((c) => c.text)).toEqual(['Across the cut', 'Goodbye']);
  });

  it('uses the same map for the fMP4 segments, whose decode times share the TS timeline', async () => {
    const joined = path.join(daemon.cacheDir, 'cmaf-video.mp4');
    const parts = await Promise.all(['video_init.mp4', 'video_1.m4s'].map(async (name) => new Uint8Array(await (await daemon.request(`/i/clip.mp4/cmaf/${name}`)).arrayBuffer())));
    await fs.writeFile(joined, Buffer.concat(parts));
    const origin90k = (await firstVideoPts90k(joined)) - (await firstVideoPts90k(path.join(daemon.mediaRoot, 'clip.mp4')));
    expectOnTimeline(await mappedCues('/i/clip.mp4/subs_en.m3u8'), ENGLISH_CUES, origin90k);
  });

  it('serves each track whole for DASH, on the presentation timeline the MPD period starts at', async () => {
    const whole = parseVtt(await text('/i/clip.mp4/subs_fr.vtt'));
    expect(whole.mpegts).toBeUndefined();
    expect(whole.cues).toEqual(FRENCH_CUES.map((c) => ({ startSec: c.startSec, endSec: c.endSec, text: c.text })));
  });

  it('records the files under the rendition like its segments, with their content type, and 404s tracks and segments that do not exist', async () => {
    const response = await daemon.request('/i/clip.mp4/subs_en_3.vtt');
    expect(response.headers.get('content-type')).toBe('text/vtt');
    const pkg = daemon.store.packageBySource('clip.mp4');
    expect(daemon.store.fileByPath('i/clip.mp4/subs_en_3.vtt')).toMatchObject({ kind: 'segment', package_id: pkg!.id });
    expect(daemon.store.fileByPath('i/clip.mp4/subs_en.m3u8')).toMatchObject({ kind: 'playlist', package_id: pkg!.id });
    await text('/i/clip.mp4/subs_en_4.vtt', 404);
    await text('/i/clip.mp4/subs_es.m3u8', 404);
    await expect(fs.access(path.join(daemon.cacheDir, 'i/clip.mp4/subs_es.m3u8'))).rejects.toThrow();
  });
});

describe('subtitle files in the cache', () => {
  it('are dropped by invalidate with the rest of their rendition, and made again on the next request', async () => {
    makeSubtitledClip(daemon.mediaRoot, 'gone');
    await text('/i/gone.mp4/subs_fr.m3u8');
    await text('/i/gone.mp4/subs_fr_2.vtt');
    await text('/i/gone.mp4/subs_track3.vtt');
    const dropped = await invalidateRendition({ store: daemon.store, cacheDir: daemon.cacheDir, urlPrefix: '/i/' }, 'gone.mp4');
    expect(dropped.files).toBe(3);
    await expect(fs.access(path.join(daemon.cacheDir, 'i/gone.mp4/subs_fr_2.vtt'))).rejects.toThrow();
    expect(daemon.store.fileByPath('i/gone.mp4/subs_fr_2.vtt')).toBeUndefined();
    expect(parseVtt(await text('/i/gone.mp4/subs_fr_2.vtt')).cues.map((c) => c.text)).toEqual(['Au revoir']);
  });
});

describe('a named text track', () => {
  it('is listed under its own name (ffmpeg writes a stream title as the track\'s udta/name)', async () => {
    const plain = makeSubtitledClip(path.join(daemon.mediaRoot, 'tmp'), 'plain');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', plain, '-map', '0', '-c', 'copy', '-metadata:s:s:0', 'title=Deutsch (SDH)', path.join(daemon.mediaRoot, 'titled.mp4')]);
    expect(await text('/i/titled.mp4/master.m3u8')).toContain('NAME="Deutsch (SDH)",LANGUAGE="de",DEFAULT=NO,AUTOSELECT=YES,URI="subs_track3.m3u8"');
  });
});

describe('subtitles of a rendition set and with other packagers', () => {
  it('lists in a csmil master the tracks of its first rendition that has any, pointing into that rendition', async () => {
    makeSubtitledClip(path.join(daemon.mediaRoot, 'set'), 'show_720p');
    makeClip(path.join(daemon.mediaRoot, 'set', 'show_360p.mp4'), { durationSec: 5, size: '640x360' });
    const ts = await text('/i/set/show_,360p,720p,.mp4.csmil/master.m3u8');
    expect(ts).toContain('NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="../show_720p.mp4/subs_en.m3u8"\n');
    expect(ts.match(/SUBTITLES="subs",CLOSED-CAPTIONS=NONE\n/g)).toHaveLength(2);
    const cmaf = await text('/i/set/show_,360p,720p,.mp4.csmil/cmaf/master.m3u8');
    expect(cmaf).toContain('URI="../../show_720p.mp4/subs_fr.m3u8"');
    expect(await text('/i/set/show_,360p,720p,.mp4.csmil/cmaf/manifest.mpd')).toContain('<BaseURL>../../show_720p.mp4/subs_track3.vtt</BaseURL>');
  });

  it('with ffmpeg as packager, masters say nothing of text and subtitle URLs are 404, writing nothing', async () => {
    const other = inProcessDaemon({ segment_duration: 2, packager: 'ffmpeg' });
    makeSubtitledClip(other.mediaRoot, 'clip');
    const response = await other.request('/i/clip.mp4/master.m3u8');
    const master = await response.text();
    expect(master).not.toMatch(/SUBTITLES|CLOSED-CAPTIONS/);
    const refused = await other.request('/i/clip.mp4/subs_en.m3u8');
    expect(refused.status).toBe(404);
    expect(await refused.text()).toMatch(/subtitle files need packager = "builtin"/);
    await expect(fs.access(path.join(other.cacheDir, 'i/clip.mp4/subs_en.m3u8'))).rejects.toThrow();
  });
});

describe('bad side files', () => {
  it('logs a side file that is not UTF-8 or has a broken cue as an error, leaves that track out, and plays the rest', async () => {
    makeSubtitledClip(daemon.mediaRoot, 'bad');
    writeFileSync(path.join(daemon.mediaRoot, 'bad.es.srt'), Buffer.from('1\n00:00:01,000 --> 00:00:02,000\nAdi\xf3s\n', 'latin1'));
    writeFileSync(path.join(daemon.mediaRoot, 'bad.it.vtt'), 'WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nCiao\n');
    const master = await text('/i/bad.mp4/master.m3u8');
    expect(master.match(/TYPE=SUBTITLES/g)).toHaveLength(3);
    expect(master).not.toMatch(/LANGUAGE="(es|it)"/);
    const errors = logLines.filter((l) => l.level === 50 && l.code === 'SUBTITLE_INVALID');
    expect(errors.map((l) => l.msg).sort()).toEqual([
      'subtitle track left out: bad.es.srt is not UTF-8 (first invalid byte at offset 35); save it as UTF-8',
      "subtitle track left out: bad.it.vtt: line 3: the cue ends (00:00:02.000) before it starts (00:00:03.000)",
    ]);
    await text('/i/bad.mp4/subs_es.m3u8', 404);
    await text('/i/bad.mp4/segment1_0_av.ts');
  });

  it('leaves out a side file larger than 8 MiB, naming its size, and keeps one of exactly 8 MiB', async () => {
    makeSubtitledClip(daemon.mediaRoot, 'big');
    /** A valid WebVTT file of `sizeBytes`: one cue after a NOTE block that fills the rest. */
    const vttOf = (sizeBytes: number) => {
      const head = 'WEBVTT\n\nNOTE ';
      const tail = '\n\n00:00:01.000 --> 00:00:02.000\nGroß\n';
      return head + 'x'.repeat(sizeBytes - Buffer.byteLength(head + tail)) + tail;
    };
    writeFileSync(path.join(daemon.mediaRoot, 'big.pl.vtt'), vttOf(8 * 1024 * 1024));
    writeFileSync(path.join(daemon.mediaRoot, 'big.nl.vtt'), vttOf(8 * 1024 * 1024 + 1));
    const master = await text('/i/big.mp4/master.m3u8');
    expect(master).toMatch(/LANGUAGE="pl"/);
    expect(master).not.toMatch(/LANGUAGE="nl"/);
    expect(logLines.filter((l) => l.level === 50 && l.code === 'SUBTITLE_INVALID' && /big\.nl\.vtt/.test(l.msg)).map((l) => l.msg)).toEqual([
      `subtitle track left out: big.nl.vtt is ${8 * 1024 * 1024 + 1} bytes, more than a subtitle file's ${8 * 1024 * 1024}`,
    ]);
    expect(parseVtt(await text('/i/big.mp4/subs_pl.vtt')).cues.map((c) => c.text)).toEqual(['Groß']);
  });
});

/** A wvtt sample: one `vttc` cue with its payload, or `vtte` for a gap (ISO/IEC 14496-30 §7.2). */
function wvttSample(payload?: string): Uint8Array {
  return payload === undefined ? box('vtte') : box('vttc', box('payl', new TextEncoder().encode(payload)));
}

/** An H.264 SEI NAL unit with one GA94 cc_data message holding a CEA-608 pair (ATSC A/53 Part 4). */
const CAPTION_SEI = bytes(u8(0x06), u8(4), u8(16), [0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03, 0x42, 0xff, 0xfc, 0x94, 0x20, 0xfd, 0x80, 0x80], u8(0x80));

describe('text and captions inside a built MP4', () => {
  it('declares CEA-608 captions found in the video SEI with a CLOSED-CAPTIONS group, reads a wvtt track, and leaves out a damaged one with a warning', async () => {
    const video = simpleVideo({ frames: 100, gop: 25 });
    const captioned = { ...video, samples: video.samples.map((s, i) => (i < 10 ? { ...s, data: bytes(nalSample(CAPTION_SEI), s.data) } : s)) };
    const wvtt = {
      handler: 'text',
      timescale: 1000,
      sampleEntry: box('wvtt', zeros(6), u16(1), box('vttC', fourcc('WEBV'), fourcc('TT  '))),
      samples: [{ duration: 1000, data: wvttSample() }, { duration: 1500, data: wvttSample('Built cue') }, { duration: 1500, data: wvttSample() }],
    };
    // A third track whose one sample is larger than any subtitle text: left out with a warning, the rest stays.
    const oversized = { ...wvtt, samples: [{ duration: 4000, data: wvttSample('x'.repeat(80_000)) }] };
    writeFileSync(path.join(daemon.mediaRoot, 'built.mp4'), buildMovie({ tracks: [captioned, wvtt, oversized] }));
    const master = await text('/i/built.mp4/master.m3u8');
    expect(master).toContain('#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC1"\n');
    expect(master).toMatch(/#EXT-X-STREAM-INF:.*,SUBTITLES="subs",CLOSED-CAPTIONS="cc"\n/);
    expect(master).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Subtitles track2",DEFAULT=NO,AUTOSELECT=YES,URI="subs_track2.m3u8"\n');
    expect(parseVtt(await text('/i/built.mp4/subs_track2.vtt')).cues).toEqual([{ startSec: 1, endSec: 2.5, text: 'Built cue' }]);
    expect(master).not.toContain('subs_track3');
    expect(logLines.some((l) => l.level === 40 && /subtitle track left out: text track 3: a sample larger than 70000 bytes/.test(l.msg))).toBe(true);
    // The same video without the SEI: NONE.
    writeFileSync(path.join(daemon.mediaRoot, 'plain.mp4'), buildMovie({ tracks: [simpleVideo({ frames: 100, gop: 25 })] }));
    expect(await text('/i/plain.mp4/master.m3u8')).toMatch(/#EXT-X-STREAM-INF:.*FRAME-RATE=25\.000,CLOSED-CAPTIONS=NONE\n/);
  });

  it.each([
    ['at 4.96 s, inside the first 5 s', '"cc"', 25, 124],
    ['at 5.00 s, past the first 5 s', 'NONE', 25, 125],
    ['in the 300th picture, at 100 fps', '"cc"', 100, 299],
    ['in the 301st picture only, at 100 fps (3.00 s)', 'NONE', 100, 300],
  ])('looks for captions in the first 5 s or 300 pictures of video, whichever ends first: one SEI %s gives CLOSED-CAPTIONS=%s', async (_what, expected, fps, captioned) => {
    const video = simpleVideo({ frames: 400, gop: 25, frameDuration: 12800 / fps });
    const samples = video.samples.map((s, i) => (i === captioned ? { ...s, data: bytes(nalSample(CAPTION_SEI), s.data) } : s));
    const name = `scan-${fps}-${captioned}.mp4`;
    writeFileSync(path.join(daemon.mediaRoot, name), buildMovie({ tracks: [{ ...video, samples }] }));
    expect(await text(`/i/${name}/master.m3u8`)).toMatch(new RegExp(`#EXT-X-STREAM-INF:.*,CLOSED-CAPTIONS=${expected}\n`));
  });

  it.each([
    ['after the slice data of the first picture', 0, (sei: Uint8Array, data: Uint8Array) => bytes(data, nalSample(sei))],
    ['behind a 6 KB filler NAL unit', 30, (sei: Uint8Array, data: Uint8Array) => bytes(nalSample(avcNal(12, 6000), sei), data)],
    ['in an SEI that straddles the first 4 KiB of its picture', 60, (sei: Uint8Array, data: Uint8Array) => bytes(nalSample(avcNal(12, 4080), sei), data)],
  ])('finds captions %s, a picture whose first bytes do not settle it, by reading that picture whole', async (_what, index, place) => {
    // Pictures of 6 KB: the scan reads the first 4 KiB of each and steps over the slice data by its length.
    const video = simpleVideo({ frames: 150, gop: 25, sliceBytes: 6000 });
    const samples = video.samples.map((s, i) => (i === index ? { ...s, data: place(CAPTION_SEI, s.data) } : s));
    const name = `deep-sei-${index}.mp4`;
    writeFileSync(path.join(daemon.mediaRoot, name), buildMovie({ tracks: [{ ...video, samples }] }));
    expect(await text(`/i/${name}/master.m3u8`)).toMatch(/#EXT-X-STREAM-INF:.*,CLOSED-CAPTIONS="cc"\n/);
  });

  it('declares no captions for 6 KB pictures without them, each settled by its first 4 KiB', async () => {
    writeFileSync(path.join(daemon.mediaRoot, 'big-plain.mp4'), buildMovie({ tracks: [simpleVideo({ frames: 150, gop: 25, sliceBytes: 6000 })] }));
    expect(await text('/i/big-plain.mp4/master.m3u8')).toMatch(/#EXT-X-STREAM-INF:.*,CLOSED-CAPTIONS=NONE\n/);
  });

  it('reads a text track of 50,000 samples and leaves out one of 50,001 with a warning', async () => {
    const wvttTrack = (count: number) => ({
      handler: 'text',
      timescale: 1000,
      sampleEntry: box('wvtt', zeros(6), u16(1), box('vttC', fourcc('WEBV'), fourcc('TT  '))),
      samples: Array.from({ length: count }, (_, i) => ({ duration: 10, data: i === 100 ? wvttSample('Cue 100') : wvttSample() })),
    });
    writeFileSync(path.join(daemon.mediaRoot, 'many-cues.mp4'), buildMovie({ tracks: [simpleVideo({ frames: 100, gop: 25 }), wvttTrack(50_000), wvttTrack(50_001)] }));
    const master = await text('/i/many-cues.mp4/master.m3u8');
    expect(master).toContain('URI="subs_track2.m3u8"');
    expect(master).not.toContain('subs_track3');
    expect(parseVtt(await text('/i/many-cues.mp4/subs_track2.vtt')).cues).toEqual([{ startSec: 1, endSec: 1.01, text: 'Cue 100' }]);
    expect(logLines.some((l) => l.level === 40 && l.msg === "subtitle track left out: text track 3: 50001 samples, more than a subtitle track's 50000")).toBe(true);
  });
});
