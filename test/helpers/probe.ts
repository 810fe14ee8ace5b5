// ffprobe as the independent judge: packets with timestamps at 90 kHz, and frame counts after decoding.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedPacket {
  readonly type: 'video' | 'audio';
  readonly pts90k: number;
  readonly dts90k: number;
  readonly duration90k: number;
  /** Byte position in the file (for TS: which segment of a concatenation it came from). */
  readonly pos: number;
}

interface FfprobeJson {
  streams?: Array<{ index: number; codec_type: string; time_base: string; nb_read_frames?: string; nb_read_packets?: string }>;
  packets?: Array<{ stream_index: number; pts?: number; dts?: number; duration?: number; pos?: string }>;
}

async function ffprobe(args: string[]): Promise<FfprobeJson> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-of', 'json', ...args], { maxBuffer: 256 * 1024 * 1024 });
  return JSON.parse(stdout) as FfprobeJson;
}

/**
 * Every video and audio packet of the first video and audio streams, in file order. `ignoreEditList`:
 * an MP4's samples as stored, including those its edit list hides.
 */
export async function probePackets(file: string, options: { ignoreEditList?: boolean } = {}): Promise<ProbedPacket[]> {
  const json = await ffprobe([...(options.ignoreEditList ? ['-ignore_editlist', '1'] : []), '-show_entries', 'stream=index,codec_type,time_base:packet=stream_index,pts,dts,duration,pos', file]);
  const streams = new Map<number, { type: 'video' | 'audio'; scale: number }>();
  for (const type of ['video', 'audio'] as const) {
    const stream = json.streams?.find((s) => s.codec_type === type);
    if (!stream) continue;
    const [num, den] = stream.time_base.split('/').map(Number);
    streams.set(stream.index, { type, scale: (num * 90000) / den });
  }
  return (json.packets ?? []).flatMap((packet) => {
    const stream = streams.get(packet.stream_index);
    if (!stream) return [];
    const to90k = (value: number | undefined) => Math.round((value ?? NaN) * stream.scale);
    return [{ type: stream.type, pts90k: to90k(packet.pts), dts90k: to90k(packet.dts ?? packet.pts), duration90k: to90k(packet.duration ?? 0), pos: Number(packet.pos ?? -1) }];
  });
}

export interface StreamCounts {
  readonly videoFrames: number;
  readonly videoPackets: number;
  readonly audioFrames: number;
  readonly audioPackets: number;
}

/** Decodes the file (playlists included) and counts decoded frames and packets per kind. */
export async function countFrames(file: string): Promise<StreamCounts> {
  const json = await ffprobe(['-count_frames', '-count_packets', '-show_entries', 'stream=index,codec_type,time_base,nb_read_frames,nb_read_packets', file]);
  const of = (type: string, field: 'nb_read_frames' | 'nb_read_packets') => Number(json.streams?.find((s) => s.codec_type === type)?.[field] ?? 0);
  return {
    videoFrames: of('video', 'nb_read_frames'),
    videoPackets: of('video', 'nb_read_packets'),
    audioFrames: of('audio', 'nb_read_frames'),
    audioPackets: of('audio', 'nb_read_packets'),
  };
}

/** The file's duration as ffprobe's format section gives it (for an MP4: what its edit lists present). */
export async function formatDurationSec(file: string): Promise<number> {
  const json = (await ffprobe(['-show_entries', 'format=duration', file])) as { format?: { duration?: string } };
  return Number(json.format?.duration);
}

/** `ffmpeg -v error -i <input> -f null -`: the decoder's complaints (empty for a conformant stream). */
export async function decodeErrors(input: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', input, '-f', 'null', '-'], { maxBuffer: 64 * 1024 * 1024 });
  return stderr;
}

/** The longest time between two presentation times of the video's key packets (IDR, CRA, recovery points), in seconds, the last to the end included. */
export async function longestRandomAccessGapSec(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags:format=duration', '-of', 'csv=p=0', file]);
  const lines = stdout.split('\n').filter(Boolean);
  const keys = lines.filter((line) => /,K/.test(line)).map((line) => Number(line.split(',')[0])).sort((a, b) => a - b);
  const end = Number(lines[lines.length - 1]);
  let longest = 0;
  keys.forEach((t, k) => (longest = Math.max(longest, (k + 1 < keys.length ? keys[k + 1] : end) - t)));
  return longest;
}
