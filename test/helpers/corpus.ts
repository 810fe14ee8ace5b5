// The conformance corpus of the builtin packager: small media made by ffmpeg on first use, once per test process, in a temp dir.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const video = (rate: string | number, size = '320x180') => ['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${rate}`];
const audio = (sampleRate: number) => ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}`];
/** One-second closed GOPs with B-frames, so 2-second segments cut on every other IDR. */
const x264 = (fps: number, ...extra: string[]) => ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0', ...extra];
const aac = (channels: number) => ['-c:a', 'aac', '-ac', String(channels)];

type Maker = (out: string) => Promise<void>;

const ffmpeg = (...args: string[]): Maker => async (out) => {
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args, out]);
};

/**
 * HandBrake's x265 output with its default GOP settings: an IDR picture first, then CRA pictures
 * (open GOP) every 250 frames, 10 s at 25 fps. The input is made by ffmpeg beside the output.
 */
const handbrakeX265 = (...inputArgs: string[]): Maker => async (out) => {
  const input = `${out}.input.mp4`;
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...inputArgs, input]);
  try {
    await run('HandBrakeCLI', ['-i', input, '-o', out, '-e', 'x265', '--encoder-preset', 'ultrafast'], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    await fs.rm(input, { force: true });
  }
};

/** HandBrake's x264 output with its default GOP settings (an IDR every 10 s, scene cuts, closed GOP), 12 s at 25 fps. */
const handbrakeX264 = (...inputArgs: string[]): Maker => async (out) => {
  const input = `${out}.input.mp4`;
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...inputArgs, input]);
  try {
    await run('HandBrakeCLI', ['-i', input, '-o', out, '-e', 'x264', '--encoder-preset', 'ultrafast'], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    await fs.rm(input, { force: true });
  }
};

/**
 * GStreamer: x264enc (one-second GOPs, two B-frames) and AAC through `muxer` (`mp4mux`, `qtmux`,
 * or `mp4mux fragment-duration=…`), 5 s at 25 fps. avenc_aac when it is there, else voaacenc.
 */
const gstreamer = (...muxer: string[]): Maker => async (out) => {
  const aacEncoder = (await run('gst-inspect-1.0', ['avenc_aac']).then(() => true, () => false)) ? 'avenc_aac' : 'voaacenc';
  await run('gst-launch-1.0', [
    '-q', '-e',
    'videotestsrc', 'num-buffers=125', '!', 'video/x-raw,width=320,height=180,framerate=25/1', '!', 'x264enc', 'key-int-max=25', 'bframes=2', 'speed-preset=veryfast', '!', 'h264parse', '!', 'mux.',
    'audiotestsrc', `num-buffers=${Math.round((5 * 48000) / 1024)}`, 'samplesperbuffer=1024', '!', 'audio/x-raw,rate=48000,channels=2', '!', 'audioconvert', '!', aacEncoder, '!', 'aacparse', '!', 'mux.',
    ...muxer, 'name=mux', '!', 'filesink', `location=${out}`,
  ]);
};

/** A file derived from another corpus file. */
const derived = (from: string, make: (source: string, out: string) => Promise<void>): Maker => async (out) => make(await mediaFile(from), out);

async function patchFirst(source: string, out: string, fourcc: string, offsetAfterType: number, patch: (value: number) => number): Promise<void> {
  const bytes = await fs.readFile(source);
  const at = bytes.indexOf(Buffer.from(fourcc, 'latin1')) + 4 + offsetAfterType;
  bytes.writeUInt32BE(patch(bytes.readUInt32BE(at)), at);
  await fs.writeFile(out, bytes);
}

/** Files that must package cleanly. */
export const GOOD_MEDIA: Record<string, Maker> = {
  'h264-bframes-25fps-aac48k-stereo.mp4': ffmpeg(...video(25), ...audio(48000), '-t', '5', ...x264(25, '-bf', '3'), ...aac(2)),
  'h264-no-bframes-30fps-aac44k-mono-faststart.mp4': ffmpeg(...video(30), ...audio(44100), '-t', '4', ...x264(30, '-bf', '0'), ...aac(1), '-movflags', '+faststart'),
  'h264-29.97fps-aac48k-mono.mp4': ffmpeg(...video('30000/1001'), ...audio(48000), '-t', '4', ...x264(30), ...aac(1)),
  'h264-60fps-aac44k-stereo.mp4': ffmpeg(...video(60, '256x144'), ...audio(44100), '-t', '3', ...x264(60), ...aac(2)),
  'audio-only-aac44k-stereo.m4a': ffmpeg(...audio(44100), '-t', '5', ...aac(2)),
  'video-only-h264.mp4': ffmpeg(...video(25), '-t', '4', ...x264(25)),
  'hevc-aac.mp4': ffmpeg(...video(25), ...audio(48000), '-t', '4', '-c:v', 'libx265', '-x265-params', 'keyint=25:min-keyint=25:scenecut=0:open-gop=0:log-level=none', '-tag:v', 'hvc1', ...aac(2)),
  'h264-mp3.mp4': ffmpeg(...video(25), ...audio(44100), '-t', '4', ...x264(25), '-c:a', 'libmp3lame', '-b:a', '96k'),
  'h264-ac3.mp4': ffmpeg(...video(25), ...audio(48000), '-t', '4', ...x264(25), '-c:a', 'ac3', '-ac', '2', '-b:a', '128k'),
  'h264-12s-gop.mp4': ffmpeg(...video(10, '128x72'), ...audio(48000), '-t', '14', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', '120', '-keyint_min', '120', '-sc_threshold', '0', ...aac(1)),
  'h264-open-gop.mp4': ffmpeg(...video(25), ...audio(48000), '-t', '5', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-x264-params', 'open-gop=1:keyint=25:min-keyint=25:scenecut=0', ...aac(2)),
  'hevc-handbrake-open-gop.mp4': handbrakeX265(...video(25), ...audio(48000), '-t', '24', '-c:v', 'libx264', '-preset', 'ultrafast', ...aac(2)),
  'h264-vfr.mp4': ffmpeg(...video(30), ...audio(48000), '-t', '4', '-vf', "select='not(eq(mod(n\\,4)\\,1))'", '-vsync', 'vfr', ...x264(30), ...aac(2)),
  'h264-edit-list-cut.mp4': derived('h264-bframes-25fps-aac48k-stereo.mp4', (source, out) =>
    run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-ss', '1.5', '-i', source, '-c', 'copy', out]).then(() => undefined),
  ),
  'gstreamer-mp4mux.mp4': gstreamer('mp4mux'),
  'gstreamer-qtmux.mov': gstreamer('qtmux'),
  'gstreamer-mp4mux-fragmented.mp4': gstreamer('mp4mux', 'fragment-duration=1000'),
  'h264-handbrake-x264.mp4': handbrakeX264(...video(25), ...audio(48000), '-t', '12', '-c:v', 'libx264', '-preset', 'ultrafast', ...aac(2)),
  // A cut with an end: its edit hides pre-roll at the start and frames past its duration at the end.
  'h264-edit-list-cut-start-and-end.mp4': derived('h264-bframes-25fps-aac48k-stereo.mp4', (source, out) =>
    run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-ss', '1.3', '-i', source, '-t', '3.2', '-c', 'copy', out]).then(() => undefined),
  ),
  'h264-fragmented-empty-moov-aac.mp4': ffmpeg(...video(25), ...audio(48000), '-t', '5', ...x264(25, '-bf', '3'), ...aac(2), '-movflags', '+frag_keyframe+empty_moov'),
  // Samples in the moov as well as in the moofs, a sidx before each fragment and an mfra at the end.
  'h264-fragmented-sidx.mp4': ffmpeg(...video(25), ...audio(48000), '-t', '5', ...x264(25, '-bf', '3'), ...aac(2), '-movflags', '+dash'),
  'clip with spaces ünïcødé.mp4': derived('h264-no-bframes-30fps-aac44k-mono-faststart.mp4', (source, out) => fs.copyFile(source, out)),
};

/** GOOD_MEDIA files whose later segments start at CRA pictures or recovery points, not IDR pictures. */
export const OPEN_GOP_MEDIA: ReadonlySet<string> = new Set(['h264-open-gop.mp4', 'hevc-handbrake-open-gop.mp4']);

/** Files that must be refused, with the error code the builtin reader must give. */
export const BAD_MEDIA: Record<string, { readonly code: string; readonly make: Maker }> = {
  'corrupted-stts.mp4': {
    code: 'MP4_TABLE_MISMATCH',
    // The first stts entry's sample_count (after version/flags and entry_count) gains one sample.
    make: derived('h264-no-bframes-30fps-aac44k-mono-faststart.mp4', (source, out) => patchFirst(source, out, 'stts', 8, (count) => count + 1)),
  },
  'truncated-moov-at-end.mp4': {
    code: 'MP4_TRUNCATED',
    make: derived('h264-bframes-25fps-aac48k-stereo.mp4', async (source, out) => {
      const bytes = await fs.readFile(source);
      await fs.writeFile(out, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    }),
  },
  'truncated-faststart.mp4': {
    code: 'MP4_TRUNCATED',
    make: derived('h264-no-bframes-30fps-aac44k-mono-faststart.mp4', async (source, out) => {
      const bytes = await fs.readFile(source);
      await fs.writeFile(out, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    }),
  },
  'garbage.mp4': {
    code: 'MP4_NO_MOOV',
    make: async (out) => {
      let seed = 12345;
      await fs.writeFile(out, Uint8Array.from({ length: 65536 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) >> 16));
    },
  },
  'empty.mp4': { code: 'MP4_EMPTY', make: (out) => fs.writeFile(out, new Uint8Array(0)) },
  'vp9.mp4': { code: 'MP4_UNSUPPORTED_CODEC', make: ffmpeg(...video(25, '128x72'), '-t', '1', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8') },
  'opus.mp4': { code: 'MP4_UNSUPPORTED_CODEC', make: ffmpeg(...audio(48000), '-t', '1', '-c:a', 'libopus') },
};

let mediaDir: Promise<string> | undefined;
const made = new Map<string, Promise<string>>();

/** The per-process corpus directory (removed by `removeMediaDir`). */
function dir(): Promise<string> {
  mediaDir ??= fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-media-'));
  return mediaDir;
}

/** Path of corpus file `name`, made on first use (written under a temporary name, then renamed). */
export function mediaFile(name: string): Promise<string> {
  let pending = made.get(name);
  if (!pending) {
    const maker = GOOD_MEDIA[name] ?? BAD_MEDIA[name]?.make;
    if (!maker) throw new Error(`no corpus recipe for ${name}`);
    pending = (async () => {
      const target = path.join(await dir(), name);
      const temporary = path.join(path.dirname(target), `.making-${name}`);
      await maker(temporary);
      await fs.rename(temporary, target);
      return target;
    })();
    made.set(name, pending);
  }
  return pending;
}

/** Makes several corpus files, two ffmpeg processes at a time. */
export async function makeMedia(names: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < names.length) await mediaFile(names[next++]);
  };
  await Promise.all([worker(), worker()]);
}

export async function removeMediaDir(): Promise<void> {
  if (mediaDir) await fs.rm(await mediaDir, { recursive: true, force: true });
}
