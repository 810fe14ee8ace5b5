// Segments muxed from real ffmpeg-encoded samples decode without a single error in ffmpeg, frame for frame.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import { inspectTs } from '../helpers/ts-inspector.js';
import { probeSamples, segmentInput, type ProbedMovie } from '../helpers/probed-samples.js';

const run = promisify(execFile);
const SHIFT_90K = 9090;
const SOURCES = {
  'h264-bframes-aac': ['-c:v', 'libx264', '-bf', '2', '-g', '25', '-c:a', 'aac', '-ar', '44100', '-ac', '2'],
  'hevc-aac': ['-c:v', 'libx265', '-x265-params', 'log-level=error:keyint=25', '-tag:v', 'hvc1', '-c:a', 'aac', '-ar', '48000', '-ac', '1'],
  'h264-ac3': ['-c:v', 'libx264', '-g', '25', '-c:a', 'ac3', '-ar', '48000'],
  'h264-mp3': ['-c:v', 'libx264', '-g', '25', '-c:a', 'libmp3lame', '-ar', '44100'],
  'aac-only': ['-vn', '-c:a', 'aac', '-ar', '48000'],
} as const;
type SourceName = keyof typeof SOURCES;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'casterpak-mpegts-'));
  await Promise.all(
    Object.entries(SOURCES).map(([name, codecArgs]) =>
      run('ffmpeg', [
        '-v', 'error',
        '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25',
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', '3', '-pix_fmt', 'yuv420p', ...codecArgs, join(dir, `${name}.mp4`),
      ]),
    ),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Cuts at the first keyframe at or after each second (audio-only: every second) and muxes each segment alone. */
async function packageRendition(name: SourceName): Promise<{ movie: ProbedMovie; files: string[] }> {
  const movie = await probeSamples(join(dir, `${name}.mp4`), SHIFT_90K);
  const end = Number.MAX_SAFE_INTEGER;
  const bounds = [0];
  for (let sec = 1; sec < 3; sec++) {
    const target = SHIFT_90K + sec * 90000;
    const cut = movie.video ? movie.video.samples.find((s) => s.isKey && s.dts90k >= target)?.dts90k : target;
    if (cut !== undefined) bounds.push(cut);
  }
  bounds.push(end);
  const files: string[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const file = join(dir, `${name}-segment${i + 1}.ts`);
    await writeFile(file, muxSegment(segmentInput(movie, i + 1, bounds[i], bounds[i + 1])));
    files.push(file);
  }
  return { movie, files };
}

async function playlistOf(name: string, files: string[]): Promise<string> {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:1', '#EXT-X-PLAYLIST-TYPE:VOD'];
  for (const file of files) lines.push('#EXTINF:1.000,', file.slice(dir.length + 1));
  lines.push('#EXT-X-ENDLIST', '');
  const playlist = join(dir, `${name}.m3u8`);
  await writeFile(playlist, lines.join('\n'));
  return playlist;
}

async function ffmpegErrors(input: string): Promise<string> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', input, '-f', 'null', '-']);
  return stderr;
}

async function packetCounts(input: string): Promise<Record<string, number>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets', '-of', 'json', input]);
  const streams = (JSON.parse(stdout) as { streams: { codec_type: string; nb_read_packets: string }[] }).streams;
  return Object.fromEntries(streams.map((s) => [s.codec_type, Number(s.nb_read_packets)]));
}

describe('real media through the muxer', () => {
  for (const name of Object.keys(SOURCES) as SourceName[]) {
    it(`${name}: every segment and the whole playlist decode without errors, with every source frame`, async () => {
      const { movie, files } = await packageRendition(name);
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const file of files) expect(await ffmpegErrors(file)).toBe('');
      const playlist = await playlistOf(name, files);
      expect(await ffmpegErrors(playlist)).toBe('');
      const counts = await packetCounts(playlist);
      expect(counts).toEqual({
        ...(movie.video ? { video: movie.video.samples.length } : {}),
        audio: movie.audio!.samples.length,
      });
    });
  }

  it('keeps source timestamps exact and continuous across segment boundaries', async () => {
    const { movie, files } = await packageRendition('h264-bframes-aac');
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'packet=stream_index,pts,dts', '-of', 'json', await playlistOf('timing', files)]);
    const packets = (JSON.parse(stdout) as { packets: { stream_index: number; pts: number; dts: number }[] }).packets;
    const video = packets.filter((p) => p.stream_index === 0);
    expect(video.map((p) => p.dts)).toEqual(movie.video!.samples.map((s) => s.dts90k));
    expect(video.map((p) => p.pts)).toEqual(movie.video!.samples.map((s) => s.pts90k));
  });

  it('passes the inspector on every real segment, with counters running on from segment to segment', async () => {
    for (const name of Object.keys(SOURCES) as SourceName[]) {
      const { files } = await packageRendition(name);
      const { readFile } = await import('node:fs/promises');
      const report = inspectTs(Buffer.concat(await Promise.all(files.map((f) => readFile(f)))));
      expect({ name, problems: report.problems }).toEqual({ name, problems: [] });
    }
  });
});
