// ffprobe's view of what was served (size, decoded frames, duration), playlist reading, and a moov-last remux.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FFMPEG = process.env.FFMPEG_BIN ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_BIN ?? 'ffprobe';

/** The same media with the moov box after mdat, as a camera writes it (a stream copy without faststart). */
export async function moovLast(src: string, dest: string): Promise<void> {
  await run(FFMPEG, ['-nostdin', '-v', 'error', '-y', '-i', src, '-c', 'copy', '-map', '0', dest]);
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
