// A rendition with one video and several AAC tracks of other languages and tones, and the tone ffmpeg hears in a stream.

import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

export interface AudioTrackSpec {
  /** ISO 639-2 code written into mdhd (`-metadata:s:a:N language=…`). */
  readonly language: string;
  readonly toneHz: number;
  /** A track title (udta/name); absent: the player shows the language's name. */
  readonly title?: string;
}

/** English, French and German, each its own tone, English the default. */
export const THREE_LANGUAGES: readonly AudioTrackSpec[] = [
  { language: 'eng', toneHz: 300 },
  { language: 'fra', toneHz: 600 },
  { language: 'deu', toneHz: 1200 },
];

/** One H.264 video and an AAC track per spec, the first the default (ffmpeg's disposition), moov first. */
export function makeMultiAudioClip(dest: string, tracks: readonly AudioTrackSpec[], durationSec = 6): string {
  mkdirSync(path.dirname(dest), { recursive: true });
  const inputs = ['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=25:duration=${durationSec}`];
  const maps = ['-map', '0:v'];
  const metadata: string[] = [];
  tracks.forEach((track, k) => {
    inputs.push('-f', 'lavfi', '-i', `sine=frequency=${track.toneHz}:sample_rate=48000:duration=${durationSec}`);
    maps.push('-map', `${k + 1}:a`);
    metadata.push(`-metadata:s:a:${k}`, `language=${track.language}`, `-disposition:a:${k}`, k === 0 ? 'default' : '0');
    if (track.title) metadata.push(`-metadata:s:a:${k}`, `title=${track.title}`);
  });
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', ...inputs, ...maps,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', ...metadata, '-movflags', '+faststart', dest,
  ]);
  return dest;
}

/** An audio-only AAC `.m4a` with one tone and a language, moov first. */
export function makeLanguageAudio(dest: string, track: AudioTrackSpec, durationSec = 6): string {
  mkdirSync(path.dirname(dest), { recursive: true });
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${track.toneHz}:sample_rate=48000:duration=${durationSec}`,
    '-c:a', 'aac', '-b:a', '64k', '-metadata:s:a:0', `language=${track.language}`, '-movflags', '+faststart', dest,
  ]);
  return dest;
}

const run = promisify(execFile);

/**
 * The frequency of a pure tone in the first audio stream of `input` (a file, a playlist URL), from the
 * zero crossings of 2 seconds decoded by ffmpeg from 1 s in (clear of AAC priming and fades).
 */
export async function toneHz(input: string): Promise<number> {
  const { stdout: pcm } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', input, '-map', '0:a:0', '-ss', '1', '-t', '2', '-ac', '1', '-ar', '48000', '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length >> 1);
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] < 0) !== (samples[i] < 0)) crossings++;
  return crossings / 2 / (samples.length / 48000);
}

/** Audio frames ffprobe counts in audio stream `k` of `input` (`-count_packets`); a URL is read without blocking this process. */
export async function audioPacketCount(input: string, k = 0): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', `a:${k}`, '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', input], { encoding: 'utf8' });
  return Number.parseInt(stdout.trim(), 10);
}

/** The codec_type of every stream ffprobe finds in `input`, by stream index (a playlist's programs list them again). */
export async function streamTypes(input: string): Promise<string[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=index,codec_type', '-of', 'csv=p=0', input], { encoding: 'utf8' });
  const byIndex = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [index, type] = line.trim().split(',');
    if (index && type) byIndex.set(index, type);
  }
  return [...byIndex.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, type]) => type);
}
