// Fragmented MP4s as ffmpeg and GStreamer write them, served by the daemon's builtin packager and decoded by ffmpeg.

import { execFile } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import type { SampleTable } from '../../daemon/mp4/types.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { countFrames, decodeErrors } from '../helpers/probe.js';
import { probeDurationSec } from '../helpers/clip.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { startsWithIdr } from '../helpers/ts-inspector.js';

const run = promisify(execFile);
const FPS = 25;
const DURATION_SEC = 7;

const ffmpegSource = ['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=${FPS}:duration=${DURATION_SEC}`, '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${DURATION_SEC}`];
/** Two-second closed GOPs with B-frames: frag_keyframe makes one fragment per GOP. */
const ffmpegCodecs = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(2 * FPS), '-keyint_min', String(2 * FPS), '-sc_threshold', '0', '-bf', '2', '-c:a', 'aac', '-b:a', '64k'];

const ffmpegWith = (movflags: string, ...extra: string[]) => async (out: string) => {
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...ffmpegSource, ...ffmpegCodecs, '-movflags', movflags, ...extra, out]);
};

/** GStreamer's mp4mux with one-second fragments; avenc_aac when it is there, else voaacenc. */
async function gstreamer(out: string): Promise<void> {
  const aacEncoder = (await run('gst-inspect-1.0', ['avenc_aac']).then(() => true, () => false)) ? 'avenc_aac' : 'voaacenc';
  const frames = String(DURATION_SEC * FPS);
  const buffers = String(Math.round((DURATION_SEC * 48000) / 1024));
  await run('gst-launch-1.0', [
    '-q', '-e',
    'videotestsrc', `num-buffers=${frames}`, '!', `video/x-raw,width=320,height=180,framerate=${FPS}/1`, '!', 'x264enc', 'key-int-max=50', 'bframes=2', 'speed-preset=veryfast', '!', 'h264parse', '!', 'mux.',
    'audiotestsrc', `num-buffers=${buffers}`, 'samplesperbuffer=1024', '!', 'audio/x-raw,rate=48000,channels=2', '!', 'audioconvert', '!', aacEncoder, '!', 'aacparse', '!', 'mux.',
    'mp4mux', 'name=mux', 'fragment-duration=1000', '!', 'filesink', `location=${out}`,
  ]);
}

const SOURCES: Record<string, (out: string) => Promise<void>> = {
  'ffmpeg frag_keyframe+empty_moov': ffmpegWith('+frag_keyframe+empty_moov'),
  'ffmpeg frag_keyframe+empty_moov+default_base_moof': ffmpegWith('+frag_keyframe+empty_moov+default_base_moof'),
  'ffmpeg frag_keyframe (no empty_moov)': ffmpegWith('+frag_keyframe'),
  'ffmpeg frag_keyframe+empty_moov+separate_moof (one track per moof)': ffmpegWith('+frag_keyframe+empty_moov+separate_moof'),
  'ffmpeg dash (a sidx per fragment)': ffmpegWith('+dash'),
  // global_sidx moves the fragments after writing them; ffmpeg 5.1 then fixes moof-relative offsets only.
  'ffmpeg frag_keyframe+empty_moov+default_base_moof+global_sidx': ffmpegWith('+frag_keyframe+empty_moov+default_base_moof+global_sidx'),
  'ffmpeg cmaf': ffmpegWith('+cmaf'),
  'GStreamer mp4mux fragment-duration=1000': gstreamer,
};

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-fragmented-'));
let daemon: InProcessDaemon;

beforeAll(() => {
  daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Requests the playlist and each segment through the daemon, and writes them side by side for ffmpeg. */
async function serve(name: string): Promise<{ playlist: string; segments: string[]; text: string }> {
  const base = `/i/${name}`;
  const answer = await daemon.request(`${base}/index_0_av.m3u8`);
  const text = await answer.text();
  expect(answer.status, text).toBe(200);
  const dir = path.join(scratch, `${name}-out`);
  await fs.mkdir(dir, { recursive: true });
  const uris = text.split('\n').filter((line) => line && !line.startsWith('#'));
  const segments: string[] = [];
  for (const uri of uris) {
    const segment = await daemon.request(`${base}/${uri}`);
    expect(segment.status).toBe(200);
    const file = path.join(dir, path.basename(uri));
    await fs.writeFile(file, Buffer.from(await segment.arrayBuffer()));
    segments.push(file);
  }
  const playlist = path.join(dir, 'index.m3u8');
  await fs.writeFile(playlist, text.replace(/^(?!#)(.+)$/gm, (uri) => path.basename(uri)));
  return { playlist, segments, text };
}

describe.each(Object.keys(SOURCES))('a fragmented MP4 from %s', (label) => {
  const name = `${label.replace(/[^a-z0-9]+/gi, '-')}.mp4`;
  let source: string;
  let served: Awaited<ReturnType<typeof serve>>;

  beforeAll(async () => {
    source = path.join(daemon.mediaRoot, name);
    await SOURCES[label](source);
    served = await serve(name);
  }, 120_000);

  it('is served as a playlist that ffmpeg decodes without an error', async () => {
    expect(await decodeErrors(served.playlist)).toBe('');
  });

  it('keeps exactly the frames of the source, video and audio', async () => {
    const [hls, src] = await Promise.all([countFrames(served.playlist), countFrames(source)]);
    expect(src.videoFrames).toBeGreaterThan(0);
    expect(hls.videoFrames).toBe(src.videoFrames);
    expect(hls.audioFrames).toBe(src.audioFrames);
  });

  it('announces EXTINF durations that add up to the source duration within one frame', () => {
    const extinfs = [...served.text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    expect(extinfs.length).toBeGreaterThan(1);
    const total = extinfs.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - probeDurationSec(source))).toBeLessThanOrEqual(1 / FPS);
  });

  it('starts every segment with an IDR picture', async () => {
    for (const segment of served.segments) expect(startsWithIdr(await fs.readFile(segment))).toBe(true);
  });
});

describe('a fragmented recording cut short, as a crashed recorder leaves it', () => {
  it('is served up to its last complete sample, and ffmpeg decodes it without an error', async () => {
    const whole = path.join(scratch, 'whole.mp4');
    await ffmpegWith('+frag_keyframe+empty_moov')(whole);
    const bytes = await fs.readFile(whole);
    await fs.writeFile(path.join(daemon.mediaRoot, 'cut-short.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.8)));
    const served = await serve('cut-short.mp4');
    expect(await decodeErrors(served.playlist)).toBe('');
    const [hls, src] = await Promise.all([countFrames(served.playlist), countFrames(whole)]);
    expect(hls.videoFrames).toBeGreaterThan(0.6 * src.videoFrames);
    expect(hls.videoFrames).toBeLessThan(src.videoFrames);
  }, 120_000);
});

describe('a plain MP4 remuxed to fragments by ffmpeg', () => {
  /** Each sample's bytes, times, composition offset and sync flag, wherever the file keeps it. */
  const samplesOf = (file: Uint8Array, table: SampleTable) =>
    Array.from({ length: table.count }, (_, i) => ({
      bytes: Buffer.from(file.subarray(table.offsets[i], table.offsets[i] + table.sizes[i])).toString('base64'),
      dts: table.dts[i],
      cts: table.cts[i],
      duration: table.durations[i],
      sync: table.sync[i],
    }));

  it.each(['+frag_keyframe+empty_moov', '+frag_keyframe+empty_moov+default_base_moof+separate_moof', '+dash'])('reads to the very video samples and audio frames of the plain file (%s)', async (movflags) => {
    const plain = path.join(scratch, 'plain.mp4');
    await ffmpegWith('+faststart')(plain);
    const fragmented = path.join(scratch, `remux${movflags}.mp4`);
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', plain, '-c', 'copy', '-movflags', movflags, fragmented]);
    const [plainBytes, fragBytes] = await Promise.all([fs.readFile(plain), fs.readFile(fragmented)]);
    const [a, b] = await Promise.all([readMovie(new MemoryReader(plainBytes)), readMovie(new MemoryReader(fragBytes))]);
    expect(samplesOf(fragBytes, b.video!.samples)).toEqual(samplesOf(plainBytes, a.video!.samples));
    // Remuxing to fragments, ffmpeg drops the audio's priming edit and lengthens the first frame instead, so audio times differ by design.
    const untimed = (samples: ReturnType<typeof samplesOf>) => samples.map(({ bytes, sync }) => ({ bytes, sync }));
    expect(untimed(samplesOf(fragBytes, b.audio!.samples))).toEqual(untimed(samplesOf(plainBytes, a.audio!.samples)));
    expect(b.video!.samples.count).toBe(DURATION_SEC * FPS);
  });
});
