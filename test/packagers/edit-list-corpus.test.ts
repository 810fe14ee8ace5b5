// Real-world edit lists and track choices, made here by ffmpeg: stream-copy cuts, a start delay, two audio tracks.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { MEDIA_PLAYLIST_NAME, segmentFileName } from '../../daemon/layout/rendition-files.js';
import { createLogger } from '../../daemon/log.js';
import { describeCmafRendition } from '../../daemon/master/cmaf-rendition.js';
import { renderCmafMediaPlaylist } from '../../daemon/master/cmaf-hls.js';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { renderMediaPlaylist } from '../../daemon/plan/playlist.js';
import { handleReader } from '../../daemon/source/file-reader.js';
import { playlistSegments } from '../helpers/media.js';
import { countFrames, decodeErrors, formatDurationSec, probePackets } from '../helpers/probe.js';
import { sourceFileOf } from '../helpers/source-file.js';
import { presentationStart90k, presentedCount } from '../helpers/ts-presentation.js';

const run = promisify(execFile);
const ffmpeg = (...args: string[]) => run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
const FRAME_SEC = 1 / 25;
const SEGMENT_SEC = 2;

let dir: string;
const file = (name: string) => path.join(dir, name);

/** 20 s at 25 fps with 2 s closed GOPs and B-frames, so every cut below lands mid-GOP. */
async function makeSource(): Promise<void> {
  await ffmpeg(
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '20',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-bf', '3',
    '-c:a', 'aac', '-ac', '2', file('source.mp4'),
  );
}

/** Stream-copy cuts: `-ss` before the input, so the file starts at the keyframe before and its edit list hides the rest. */
const CUTS = [
  { name: 'cut-3.5-for-12.mp4', args: ['-ss', '3.5', '-t', '12'] },
  { name: 'cut-7.3-for-8.mp4', args: ['-ss', '7.3', '-t', '8'] },
  { name: 'cut-5.02-to-end.mp4', args: ['-ss', '5.02'] },
];
/** Audio delayed by half a second: the mov muxer writes an empty edit before the audio's media edit. */
const DELAYED_AUDIO = 'audio-delayed-0.5.mp4';
const TWO_AUDIO = 'two-audio-second-default.mp4';

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-edits-'));
  await makeSource();
  await Promise.all(CUTS.map((cut) => ffmpeg(...cut.args, '-i', file('source.mp4'), '-c', 'copy', file(cut.name))));
  await ffmpeg('-i', file('source.mp4'), '-itsoffset', '0.5', '-i', file('source.mp4'), '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', '10', file(DELAYED_AUDIO));
  await ffmpeg(
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=44100', '-t', '3', '-map', '0', '-map', '1', '-map', '2',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-disposition:a:0', '0', '-disposition:a:1', 'default', file(TWO_AUDIO),
  );
}, 240_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface Packaged {
  readonly playlist: string;
  readonly segments: string[];
  readonly durationsSec: readonly number[];
  readonly joined: string;
}

async function packageAll(name: string, log?: ReturnType<typeof createLogger>): Promise<Packaged> {
  const out = await fs.mkdtemp(path.join(dir, 'out-'));
  const packager = createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC, log });
  const { durationsSec } = await packager.packageRendition(await sourceFileOf(file(name)), out, new AbortController().signal);
  const playlist = path.join(out, MEDIA_PLAYLIST_NAME);
  await fs.writeFile(playlist, renderMediaPlaylist({ durationsSec, segmentUri: segmentFileName, allowCache: true }));
  const segments = durationsSec.map((_, i) => path.join(out, segmentFileName(i + 1)));
  const joined = path.join(out, 'joined.ts');
  await fs.writeFile(joined, Buffer.concat(await Promise.all(segments.map((segment) => fs.readFile(segment)))));
  return { playlist, segments, durationsSec, joined };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe.each([...CUTS.map((cut) => cut.name), DELAYED_AUDIO])('the builtin packager on %s', (name) => {
  let packaged: Packaged;
  beforeAll(async () => {
    packaged = await packageAll(name);
  }, 120_000);

  it('writes EXTINF values that add up to the duration ffprobe gives the file, within a frame', async () => {
    expect(Math.abs(sum(packaged.durationsSec) - (await formatDurationSec(file(name))))).toBeLessThanOrEqual(FRAME_SEC + 0.001);
  });

  it('produces a playlist that ffmpeg decodes without a single error', async () => {
    expect(await decodeErrors(packaged.playlist)).toBe('');
  });

  it('presents exactly the video frames the source presents, its hidden pre-roll timed before the presentation start', async () => {
    const [out, source] = await Promise.all([probePackets(packaged.joined), countFrames(file(name))]);
    const start90k = await presentationStart90k(packaged.segments, packaged.durationsSec, out);
    expect(presentedCount(out, 'video', start90k)).toBe(source.videoFrames);
    // What is timed before the start is only the pre-roll from the keyframe before the cut: under one GOP.
    const hidden = out.filter((p) => p.type === 'video').length - source.videoFrames;
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(hidden).toBeLessThan(50);
    // The first packet is that keyframe, and the decoder turns every packet into a frame.
    expect((await countFrames(packaged.playlist)).videoFrames).toBe(out.filter((p) => p.type === 'video').length);
  });

  it('gives the CMAF video playlist the same presentation: durations adding up to the file duration within a frame', async () => {
    const packager = createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC });
    const { movie, plan } = await packager.plannedMovie(await sourceFileOf(file(name)));
    const rendition = describeCmafRendition('', movie, plan);
    const durations = playlistSegments(renderCmafMediaPlaylist(rendition.video!, '', { independentSegments: true })).map((s) => s.durationSec);
    expect(Math.abs(sum(durations) - (await formatDurationSec(file(name))))).toBeLessThanOrEqual(FRAME_SEC + 0.001);
    // Segment N of CMAF and of MPEG-TS cover the same instants.
    durations.forEach((d, k) => expect(Math.abs(d - packaged.durationsSec[k])).toBeLessThanOrEqual(0.001 + (k === durations.length - 1 ? FRAME_SEC : 0)));
  });
});

describe('a start delay', () => {
  it('is an empty edit ffprobe sees, and the packaged audio starts that much after the video', async () => {
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=start_time', '-of', 'csv=p=0', file(DELAYED_AUDIO)]);
    const delaySec = Number(stdout);
    // ffmpeg writes the delay less the AAC priming as an empty edit, then the media from its time 0.
    expect(delaySec).toBeGreaterThan(0.45);
    const handle = await fs.open(file(DELAYED_AUDIO));
    try {
      const movie = await readMovie(handleReader(handle, (await handle.stat()).size, DELAYED_AUDIO));
      expect(Math.abs(movie.audio!.edit.emptyDelayTicks / movie.audio!.timescale - delaySec)).toBeLessThan(0.001);
    } finally {
      await handle.close();
    }
    const out = await probePackets((await packageAll(DELAYED_AUDIO)).joined);
    const first = (type: 'video' | 'audio') => Math.min(...out.filter((p) => p.type === type).map((p) => p.pts90k));
    expect(Math.abs((first('audio') - first('video')) / 90000 - delaySec)).toBeLessThan(0.002);
  }, 120_000);
});

describe('a file with two audio tracks', () => {
  it('is packaged with the one its tkhd marks enabled (ffmpeg sets it from the default disposition), and the log says which', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const handle = await fs.open(file(TWO_AUDIO));
    try {
      const movie = await readMovie(handleReader(handle, (await handle.stat()).size, TWO_AUDIO));
      expect(movie.audio!.sampleRate).toBe(44100);
      expect(movie.audio!.id).toBe(3);
      expect(movie.notes?.join('\n')).toMatch(/audio: track 3, of 2 audio tracks \(the one marked enabled/);
    } finally {
      await handle.close();
    }
    const packaged = await packageAll(TWO_AUDIO, createLogger('info', { destination, pretty: false }));
    expect(await decodeErrors(packaged.playlist)).toBe('');
    const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a', '-show_entries', 'stream=sample_rate', '-of', 'csv=p=0', packaged.joined]);
    expect(new Set(stdout.split('\n').filter(Boolean))).toEqual(new Set(['44100']));
    const logged = lines.map((line) => JSON.parse(line) as { level: number; note?: string; source?: string }).filter((entry) => entry.note);
    expect(logged).toHaveLength(1);
    expect(logged[0].level).toBe(30);
    expect(logged[0].note).toContain('track 3');
    expect(logged[0].source).toBe(TWO_AUDIO);
  }, 120_000);
});
