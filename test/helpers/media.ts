// Test media made by ffmpeg on the spot (never committed), and ffmpeg/ffprobe checks of what was served.

import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FFMPEG = process.env.FFMPEG_BIN ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_BIN ?? 'ffprobe';

export interface ClipOptions {
  durationSec?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Seconds between keyframes: the packagers can only cut there. */
  gopSec?: number;
  audio?: boolean;
  /** moov before mdat (the default) or at the end, as a camera writes it. */
  faststart?: boolean;
}

/** An H.264/AAC MP4 with a moving test pattern and a tone, small and quick to make. */
export async function makeClip(file: string, options: ClipOptions = {}): Promise<void> {
  const { durationSec = 6, width = 320, height = 180, fps = 25, gopSec = 1, audio = true, faststart = true } = options;
  mkdirSync(path.dirname(file), { recursive: true });
  const args = ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${durationSec}`];
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${durationSec}`);
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(Math.round(gopSec * fps)), '-keyint_min', String(Math.round(gopSec * fps)));
  if (audio) args.push('-c:a', 'aac', '-b:a', '64k');
  if (faststart) args.push('-movflags', '+faststart');
  args.push(file);
  await run(FFMPEG, args);
}

/** What ffmpeg prints at `-v error` while decoding everything: empty for a clean stream. */
export async function decodeErrors(input: string): Promise<string> {
  const { stdout, stderr } = await run(FFMPEG, ['-nostdin', '-v', 'error', '-i', input, '-f', 'null', '-'], { maxBuffer: 16 * 1024 * 1024 });
  return `${stdout}${stderr}`;
}

export interface VideoFacts {
  width: number;
  height: number;
  /** Frames actually decoded. */
  frames: number;
  /** Seconds per frame, from the stream's frame rate. */
  frameSec: number;
  durationSec: number;
}

/** Decodes the first video stream of a file or URL and reports its size, frame count and duration. */
export async function videoFacts(input: string): Promise<VideoFacts> {
  const { stdout } = await run(FFPROBE, [
    '-v', 'error', '-count_frames', '-select_streams', 'v:0',
    '-show_entries', 'stream=width,height,nb_read_frames,r_frame_rate,duration:format=duration',
    '-of', 'json', input,
  ]);
  const parsed = JSON.parse(stdout) as { streams: Array<Record<string, string | number>>; format: { duration?: string } };
  const stream = parsed.streams[0];
  const [num, den] = String(stream.r_frame_rate).split('/').map(Number);
  return {
    width: Number(stream.width),
    height: Number(stream.height),
    frames: Number(stream.nb_read_frames),
    frameSec: den / num,
    durationSec: Number(stream.duration ?? parsed.format.duration),
  };
}

/** The EXTINF durations and URIs of a media playlist, in order. */
export function playlistSegments(text: string): Array<{ durationSec: number; uri: string }> {
  const lines = text.split('\n').map((l) => l.trim());
  const segments: Array<{ durationSec: number; uri: string }> = [];
  lines.forEach((line, i) => {
    const extinf = /^#EXTINF:([\d.]+),/.exec(line);
    if (extinf) segments.push({ durationSec: Number(extinf[1]), uri: lines[i + 1] });
  });
  return segments;
}
