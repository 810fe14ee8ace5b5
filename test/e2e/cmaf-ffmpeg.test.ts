// CMAF output checked with ffmpeg and an independent fMP4 reader: fMP4 HLS and DASH of real renditions decode whole and join up.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { inspectFragment, inspectInit, readBoxes } from '../helpers/fmp4-inspector.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { playlistSegments } from '../helpers/media.js';
import { inspectTs } from '../helpers/ts-inspector.js';

const run = promisify(execFile);

/** H.264 and HEVC with AAC, and the other audio codecs the builtin reader takes. */
const SOURCES = [
  'h264-bframes-25fps-aac48k-stereo.mp4',
  'hevc-aac.mp4',
  'h264-29.97fps-aac48k-mono.mp4',
  'h264-ac3.mp4',
  'h264-mp3.mp4',
  'video-only-h264.mp4',
  'audio-only-aac44k-stereo.m4a',
  'h264-edit-list-cut.mp4',
];

/** Made here rather than in the shared corpus: HEVC under the hev1 sample entry, with E-AC-3 audio. */
const HEV1_EAC3 = 'hevc-hev1-eac3.mp4';

async function makeHev1Eac3(out: string): Promise<void> {
  await run('ffmpeg', [
    '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4',
    '-c:v', 'libx265', '-x265-params', 'keyint=25:min-keyint=25:scenecut=0:open-gop=0:log-level=none', '-tag:v', 'hev1',
    '-c:a', 'eac3', '-b:a', '96k', out,
  ]);
}

/** A stream-copy cut with an end: its edit list hides a pre-roll and the frames after the end. */
const CUT_WITH_END = 'h264-cut-1.5-for-2.5.mp4';

let daemon: ListeningDaemon;

beforeAll(async () => {
  await makeMedia(SOURCES);
  daemon = await startListeningDaemon({ segment_duration: 2 });
  for (const name of SOURCES) await fs.copyFile(await mediaFile(name), path.join(daemon.mediaRoot, name));
  await makeHev1Eac3(path.join(daemon.mediaRoot, HEV1_EAC3));
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-ss', '1.5', '-i', await mediaFile('h264-bframes-25fps-aac48k-stereo.mp4'), '-t', '2.5', '-c', 'copy', path.join(daemon.mediaRoot, CUT_WITH_END)]);
}, 180_000);

afterAll(async () => {
  await daemon?.stop();
  await removeMediaDir();
});

function url(name: string, file: string): string {
  return `${daemon.baseUrl}/i/${encodeURIComponent(name)}/cmaf/${file}`;
}

async function get(target: string): Promise<Buffer> {
  const response = await fetch(target);
  if (response.status !== 200) throw new Error(`${target}: ${response.status} ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** ffmpeg's decode errors (empty when clean), all streams. */
async function decodeErrors(input: string): Promise<string> {
  try {
    const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', input, '-map', '0', '-f', 'null', '-'], { maxBuffer: 1 << 24 });
    return stderr.trim();
  } catch (err) {
    return `ffmpeg failed: ${(err as { stderr?: string }).stderr ?? err}`;
  }
}

/** Decoded video frames of the first video stream. */
async function videoFrames(input: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', input]);
  return Number.parseInt(stdout.trim(), 10);
}

/** Video samples of the source (frames an edit list hides included: CMAF, like the TS segments, carries them all). */
async function sourceVideoSamples(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-ignore_editlist', '1', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file]);
  return Number.parseInt(stdout.trim(), 10);
}

/**
 * The bitstream itself, not only trun's flag: the segment's first sample holds an IDR slice (H.264 NAL
 * type 5) or an IRAP picture (HEVC types 16-23), read through its 4-byte NAL length prefixes.
 */
function firstSampleIsRandomAccess(entryType: string, segment: Buffer): boolean {
  const mdat = readBoxes(segment).find((b) => b.type === 'mdat');
  const size = inspectFragment(segment).samples[0].size;
  const sample = mdat ? mdat.body.subarray(0, size) : Buffer.alloc(0);
  const hevc = entryType === 'hvc1' || entryType === 'hev1';
  for (let at = 0; at + 5 <= sample.length; ) {
    const type = hevc ? (sample[at + 4] >> 1) & 0x3f : sample[at + 4] & 0x1f;
    if (hevc ? type >= 16 && type <= 23 : type === 5) return true;
    at += 4 + sample.readUInt32BE(at);
  }
  return false;
}

describe('CMAF presentations of real renditions', () => {
  for (const name of [...SOURCES, HEV1_EAC3]) {
    const hasVideo = !name.startsWith('audio-only');
    it(`ffmpeg decodes the fMP4 HLS and the DASH presentation of ${name} with no error${hasVideo ? " and the source's frame count" : ''}`, async () => {
      expect(await decodeErrors(url(name, 'master.m3u8'))).toBe('');
      expect(await decodeErrors(url(name, 'manifest.mpd'))).toBe('');
      if (!hasVideo) return;
      const expected = await sourceVideoSamples(path.join(daemon.mediaRoot, name));
      expect(await videoFrames(url(name, 'master.m3u8'))).toBe(expected);
      expect(await videoFrames(url(name, 'manifest.mpd'))).toBe(expected);
    }, 120_000);
  }

  for (const name of ['h264-bframes-25fps-aac48k-stereo.mp4', 'hevc-aac.mp4', HEV1_EAC3, 'h264-ac3.mp4', 'h264-mp3.mp4']) {
    it(`every media segment of ${name} starts with a sync sample and each tfdt starts where the previous segment ended`, async () => {
      for (const track of ['video', 'audio']) {
        const init = inspectInit(await get(url(name, `${track}_init.mp4`)));
        expect(init.handler).toBe(track === 'video' ? 'vide' : 'soun');
        expect(init.tkhdTrackId).toBe(init.trexTrackId);
        const playlist = (await get(url(name, `${track}.m3u8`))).toString('utf8');
        expect(playlist).toContain(`#EXT-X-MAP:URI="${track}_init.mp4"`);
        let expectedStart: number | undefined;
        for (const [k, segment] of playlistSegments(playlist).entries()) {
          const bytes = await get(url(name, segment.uri));
          const fragment = inspectFragment(bytes);
          expect(fragment.topTypes).toEqual(['styp', 'moof', 'mdat']);
          expect(fragment.sequenceNumber).toBe(k + 1);
          expect(fragment.dataOffsetMatchesMdat).toBe(true);
          expect(fragment.samples[0].sync).toBe(true);
          if (track === 'video') expect(firstSampleIsRandomAccess(init.entryType, bytes), segment.uri).toBe(true);
          if (expectedStart !== undefined) expect(fragment.baseDecodeTime).toBe(expectedStart);
          expectedStart = fragment.baseDecodeTime + fragment.durationTicks;
          // EXTINF is the segment's presentation span, within a frame of its decode span.
          expect(Math.abs(segment.durationSec - fragment.durationTicks / init.timescale)).toBeLessThan(0.05);
        }
      }
    }, 60_000);
  }

  it('a stream-copy cut has the presentation of its MPEG-TS playlist: the same frames, durations adding up to the file duration', async () => {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path.join(daemon.mediaRoot, CUT_WITH_END)]);
    const presentedSec = Number(stdout);
    const frameSec = 1 / 25;
    const sum = (text: string) => playlistSegments(text).reduce((total, s) => total + s.durationSec, 0);
    const tsPlaylist = `${daemon.baseUrl}/i/${CUT_WITH_END}/index_0_av.m3u8`;
    expect(Math.abs(sum((await get(url(CUT_WITH_END, 'video.m3u8'))).toString('utf8')) - presentedSec)).toBeLessThanOrEqual(frameSec + 0.001);
    expect(Math.abs(sum((await get(tsPlaylist)).toString('utf8')) - presentedSec)).toBeLessThanOrEqual(frameSec + 0.001);
    const mpd = (await get(url(CUT_WITH_END, 'manifest.mpd'))).toString('utf8');
    const mpdSec = Number(/mediaPresentationDuration="PT([\d.]+)S"/.exec(mpd)?.[1]);
    expect(Math.abs(mpdSec - presentedSec)).toBeLessThanOrEqual(frameSec + 0.001);
    expect(await decodeErrors(url(CUT_WITH_END, 'master.m3u8'))).toBe('');
    expect(await decodeErrors(url(CUT_WITH_END, 'manifest.mpd'))).toBe('');
    const tsFrames = await videoFrames(tsPlaylist);
    expect(await videoFrames(url(CUT_WITH_END, 'master.m3u8'))).toBe(tsFrames);
  }, 120_000);

  it('the init segments carry the source codec configuration boxes under their own sample entry types', async () => {
    const expectations: Array<[string, string, string, string]> = [
      ['h264-bframes-25fps-aac48k-stereo.mp4', 'video', 'avc1', 'avcC'],
      ['hevc-aac.mp4', 'video', 'hvc1', 'hvcC'],
      ['h264-bframes-25fps-aac48k-stereo.mp4', 'audio', 'mp4a', 'esds'],
      ['h264-ac3.mp4', 'audio', 'ac-3', 'dac3'],
      ['h264-mp3.mp4', 'audio', 'mp4a', 'esds'],
      [HEV1_EAC3, 'video', 'hev1', 'hvcC'],
      [HEV1_EAC3, 'audio', 'ec-3', 'dec3'],
    ];
    for (const [name, track, entryType, configType] of expectations) {
      const init = inspectInit(await get(url(name, `${track}_init.mp4`)));
      expect([name, init.entryType, init.entryChildren.includes(configType)]).toEqual([name, entryType, true]);
      expect(init.brands).toContain('cmfc');
    }
    // CODECS names the sample entry the init segment has: hev1, not the hvc1 the MP4 reader writes for TS.
    const master = (await get(url(HEV1_EAC3, 'master.m3u8'))).toString('utf8');
    expect(master).toMatch(/CODECS="hev1\.[^",]+,ec-3"/);
    // MP3 by the esds objectTypeIndication of its init segment (MPEG-1 audio).
    expect((await get(url('h264-mp3.mp4', 'master.m3u8'))).toString('utf8')).toMatch(/CODECS="avc1\.[^",]+,mp4a\.6B"/);
  });

  it('CMAF segment N holds the samples of MPEG-TS segment N, on the same timeline', async () => {
    const name = 'h264-bframes-25fps-aac48k-stereo.mp4';
    const timescales = { video: inspectInit(await get(url(name, 'video_init.mp4'))).timescale, audio: inspectInit(await get(url(name, 'audio_init.mp4'))).timescale };
    const tsPlaylist = (await get(`${daemon.baseUrl}/i/${name}/index_0_av.m3u8`)).toString('utf8');
    const segmentCount = playlistSegments(tsPlaylist).length;
    expect(segmentCount).toBeGreaterThan(2);
    for (let n = 1; n <= segmentCount; n++) {
      const ts = inspectTs(await get(`${daemon.baseUrl}/i/${name}/segment${n}_0_av.ts`));
      const videoPid = ts.pmt?.streams.find((s) => s.streamType === 0x1b)?.pid as number;
      const audioPid = ts.pmt?.streams.find((s) => s.streamType === 0x0f)?.pid as number;
      const video = inspectFragment(await get(url(name, `video_${n}.m4s`)));
      const audio = inspectFragment(await get(url(name, `audio_${n}.m4s`)));
      const videoPes = ts.pes.get(videoPid) ?? [];
      expect(video.samples.length).toBe(videoPes.length);
      expect(audio.samples.length).toBe((ts.adtsFrames.get(audioPid) ?? []).length);
      // The same decode time at 90 kHz, to the rounding of one tick.
      const firstDts90k = videoPes[0].dts ?? videoPes[0].pts ?? NaN;
      expect(Math.abs((video.baseDecodeTime * 90_000) / timescales.video - firstDts90k)).toBeLessThanOrEqual(1);
      const firstAudioPts90k = ts.pes.get(audioPid)?.[0].pts ?? NaN;
      expect(Math.abs((audio.baseDecodeTime * 90_000) / timescales.audio - firstAudioPts90k)).toBeLessThanOrEqual(1);
    }
  });

  it.each(['h264-bframes-25fps-aac48k-stereo.mp4', 'hevc-aac.mp4'])('segments of %s made in any order, each on its own, are byte-identical to those made in sequence', async (name) => {
    // Two fresh daemons, nothing shared with this one: one makes every file backwards, the other only
    // the middle segment of each track as its very first request (no playlist, no neighbour made before).
    const backwardsDaemon = await startListeningDaemon({ segment_duration: 2 });
    const aloneDaemon = await startListeningDaemon({ segment_duration: 2 });
    try {
      for (const other of [backwardsDaemon, aloneDaemon]) await fs.copyFile(path.join(daemon.mediaRoot, name), path.join(other.mediaRoot, name));
      const fromOther = (other: ListeningDaemon, file: string) => get(`${other.baseUrl}/i/${encodeURIComponent(name)}/cmaf/${file}`);
      for (const track of ['video', 'audio']) {
        const uris = playlistSegments((await get(url(name, `${track}.m3u8`))).toString('utf8')).map((s) => s.uri);
        expect(uris.length).toBeGreaterThanOrEqual(2);
        const middle = uris[uris.length >> 1];
        expect((await fromOther(aloneDaemon, middle)).equals(await get(url(name, middle))), `${middle} made alone`).toBe(true);
        const inSequence = [];
        for (const uri of uris) inSequence.push(await get(url(name, uri)));
        const backwards = new Map<string, Buffer>();
        for (const uri of [...uris].reverse()) backwards.set(uri, await fromOther(backwardsDaemon, uri));
        uris.forEach((uri, k) => expect(backwards.get(uri)?.equals(inSequence[k]), `${uri} made backwards`).toBe(true));
        const init = `${track}_init.mp4`;
        expect((await fromOther(backwardsDaemon, init)).equals(await get(url(name, init)))).toBe(true);
      }
    } finally {
      await backwardsDaemon.stop();
      await aloneDaemon.stop();
    }
  }, 90_000);
});
