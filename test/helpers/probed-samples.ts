// Reads an MP4's samples for muxer tests through ffprobe (positions, sizes, times, extradata), independently of our MP4 reader.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { MuxAudioConfig, MuxSample, MuxSegmentInput, MuxVideoConfig } from '../../daemon/mpegts/types.js';

const run = promisify(execFile);

export interface ProbedTrack {
  codecName: string;
  sampleRate: number;
  channels: number;
  extradata: Uint8Array;
  samples: MuxSample[];
}

export interface ProbedMovie {
  video?: ProbedTrack;
  audio?: ProbedTrack;
}

interface FfprobeStream {
  index: number;
  codec_type: string;
  codec_name: string;
  time_base: string;
  sample_rate?: string;
  channels?: number;
  extradata?: string;
}

interface FfprobePacket {
  stream_index: number;
  pts?: number;
  dts?: number;
  pos: string;
  size: string;
  flags: string;
}

/** ffprobe prints extradata as a hex dump: "00000000: 01f4 000b ...  ascii". */
function parseHexDump(dump: string): Uint8Array {
  const hex = dump
    .split('\n')
    .filter((line) => /^[0-9a-f]{8}: /.test(line))
    .map((line) => line.slice(10, 49).replace(/ /g, ''))
    .join('');
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/**
 * Every sample of the first video and audio stream, timestamps converted to 90 kHz and shifted by
 * `shift90k` after moving the earliest DTS of the file to 0.
 */
export async function probeSamples(file: string, shift90k = 0): Promise<ProbedMovie> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-show_packets', '-show_data', '-of', 'json', file], {
    maxBuffer: 512 * 1024 * 1024,
  });
  const parsed = JSON.parse(stdout) as { streams: FfprobeStream[]; packets: (FfprobePacket & { data?: string })[] };
  const bytes = new Uint8Array(await readFile(file));
  const movie: ProbedMovie = {};
  const toTicks = new Map<number, (t: number) => number>();
  for (const stream of parsed.streams) {
    const [num, den] = stream.time_base.split('/').map(Number);
    toTicks.set(stream.index, (t) => (t * 90000 * num) / den);
  }
  let earliest = Infinity;
  for (const p of parsed.packets) earliest = Math.min(earliest, toTicks.get(p.stream_index)!(p.dts ?? 0));
  for (const kind of ['video', 'audio'] as const) {
    const stream = parsed.streams.find((s) => s.codec_type === kind);
    if (!stream) continue;
    const ticks = toTicks.get(stream.index)!;
    const samples = parsed.packets
      .filter((p) => p.stream_index === stream.index)
      .map((p) => {
        const pos = Number(p.pos);
        return {
          dts90k: Math.round(ticks(p.dts ?? 0) - earliest) + shift90k,
          pts90k: Math.round(ticks(p.pts ?? 0) - earliest) + shift90k,
          isKey: p.flags.startsWith('K'),
          data: bytes.subarray(pos, pos + Number(p.size)),
        };
      });
    movie[kind] = {
      codecName: stream.codec_name,
      sampleRate: Number(stream.sample_rate ?? 0),
      channels: stream.channels ?? 0,
      extradata: parseHexDump(stream.extradata ?? ''),
      samples,
    };
  }
  return movie;
}

/** avcC (ISO/IEC 14496-15 §5.3.3.1) or hvcC (§8.3.3.1) to the muxer's video config. */
export function videoConfigFrom(track: ProbedTrack): MuxVideoConfig {
  const x = track.extradata;
  const read16 = (at: number) => (x[at] << 8) | x[at + 1];
  const vps: Uint8Array[] = [];
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  if (track.codecName === 'h264') {
    let at = 6;
    for (let n = x[5] & 0x1f; n > 0; n--, at += 2 + read16(at)) sps.push(x.slice(at + 2, at + 2 + read16(at)));
    for (let n = x[at++]; n > 0; n--, at += 2 + read16(at)) pps.push(x.slice(at + 2, at + 2 + read16(at)));
    return { codec: 'avc', nalLengthSize: (x[4] & 3) + 1, vps, sps, pps };
  }
  let at = 23;
  for (let arrays = x[22]; arrays > 0; arrays--) {
    const type = x[at] & 0x3f;
    let count = read16(at + 1);
    at += 3;
    for (; count > 0; count--, at += 2 + read16(at)) {
      const nal = x.slice(at + 2, at + 2 + read16(at));
      (type === 32 ? vps : type === 33 ? sps : pps).push(nal);
    }
  }
  return { codec: 'hevc', nalLengthSize: (x[21] & 3) + 1, vps, sps, pps };
}

export function audioConfigFrom(track: ProbedTrack): MuxAudioConfig {
  const codec = ({ aac: 'aac', mp3: 'mp3', ac3: 'ac3', eac3: 'eac3' } as const)[track.codecName as 'aac'];
  return {
    codec,
    sampleRate: track.sampleRate,
    channelCount: track.channels,
    audioSpecificConfig: codec === 'aac' ? track.extradata : undefined,
  };
}

/** Segment input with the samples whose DTS lies in [fromDts90k, toDts90k). */
export function segmentInput(movie: ProbedMovie, segmentNumber: number, fromDts90k: number, toDts90k: number): MuxSegmentInput {
  const pick = (t: ProbedTrack) => t.samples.filter((s) => s.dts90k >= fromDts90k && s.dts90k < toDts90k);
  return {
    segmentNumber,
    video: movie.video ? { config: videoConfigFrom(movie.video), samples: pick(movie.video) } : undefined,
    audio: movie.audio ? { config: audioConfigFrom(movie.audio), samples: pick(movie.audio) } : undefined,
  };
}
