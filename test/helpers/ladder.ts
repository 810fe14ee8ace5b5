// A bit rate ladder made by ffmpeg (360p/540p/720p H.264 + AAC), and ffprobe's view of each rendition.

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Rung {
  readonly height: number;
  readonly videoKbps: number;
}

/** Three rungs, as encoders ship them: the entry of the csmil is the height. */
export const LADDER: readonly Rung[] = [
  { height: 360, videoKbps: 600 },
  { height: 540, videoKbps: 1200 },
  { height: 720, videoKbps: 2000 },
];

export const LADDER_SECONDS = 6;
export const LADDER_FPS = 25;

export function rungName(rung: Rung, prefix = 'clip_'): string {
  return `${prefix}${rung.height}p.mp4`;
}

/**
 * One rendition: testsrc2 (moving, so bit rates vary from GOP to GOP), a closed one-second GOP with
 * B-frames, 48 kHz stereo AAC. `seed` changes the picture and tone, so a re-encode differs from the first one.
 */
export async function encodeRung(out: string, rung: Rung, seed = 0): Promise<void> {
  const width = Math.round((rung.height * 16) / 9 / 2) * 2;
  await run('ffmpeg', [
    '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${rung.height}:rate=${LADDER_FPS}:duration=${LADDER_SECONDS},hue=h=${seed * 40}`,
    '-f', 'lavfi', '-i', `sine=frequency=${440 + seed * 10}:sample_rate=48000:duration=${LADDER_SECONDS}`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-b:v', `${rung.videoKbps}k`, '-maxrate', `${rung.videoKbps * 2}k`, '-bufsize', `${rung.videoKbps}k`,
    '-g', String(LADDER_FPS), '-keyint_min', String(LADDER_FPS), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-shortest', out,
  ]);
}

/** Encodes the ladder into `dir` as clip_360p.mp4, clip_540p.mp4, clip_720p.mp4. */
export async function makeLadder(dir: string, prefix = 'clip_'): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const files = LADDER.map((rung) => path.join(dir, rungName(rung, prefix)));
  await Promise.all(LADDER.map((rung, i) => encodeRung(files[i], rung)));
  return files;
}

export interface ProbedRendition {
  readonly width: number;
  readonly height: number;
  /** ffprobe's r_frame_rate as a number. */
  readonly frameRate: number;
  /** H.264 profile_idc and level_idc as ffprobe names them (profile "High" → 100). */
  readonly videoProfile: string;
  readonly videoLevel: number;
  readonly audioProfile: string;
  readonly keyframes: number;
}

interface StreamJson {
  codec_type: string;
  codec_name: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  r_frame_rate?: string;
}

export async function probeRendition(file: string): Promise<ProbedRendition> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-of', 'json', '-show_entries', 'stream=codec_type,codec_name,profile,level,width,height,r_frame_rate', file]);
  const streams = (JSON.parse(stdout) as { streams: StreamJson[] }).streams;
  const video = streams.find((s) => s.codec_type === 'video')!;
  const audio = streams.find((s) => s.codec_type === 'audio')!;
  const [num, den] = (video.r_frame_rate ?? '0/1').split('/').map(Number);
  const keys = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-skip_frame', 'nokey', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return {
    width: video.width!,
    height: video.height!,
    frameRate: num / den,
    videoProfile: video.profile ?? '',
    videoLevel: video.level ?? 0,
    audioProfile: audio.profile ?? '',
    keyframes: Number(keys.stdout.trim()),
  };
}

export interface ProbedFrame {
  readonly keyFrame: boolean;
  readonly pictType: string;
}

/** The video frames ffprobe decodes from a file (a TS excerpt, for I-frame ranges). */
export async function probeVideoFrames(file: string): Promise<ProbedFrame[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_frames', '-show_entries', 'frame=key_frame,pict_type', '-of', 'json', file]);
  const frames = (JSON.parse(stdout) as { frames?: Array<{ key_frame: number; pict_type: string }> }).frames ?? [];
  return frames.map((f) => ({ keyFrame: f.key_frame === 1, pictType: f.pict_type }));
}
