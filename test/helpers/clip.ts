// Small test renditions made by ffmpeg, once per test run and shape, in a temp folder.

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLIP_CACHE = path.join(tmpdir(), `casterpak-test-clips-${process.pid}`);

export interface ClipOptions {
  durationSec?: number;
  size?: string;
  fps?: number;
  gopFrames?: number;
  toneHz?: number;
}

/** An H.264/AAC MP4 (moov first); identical options give identical bytes, made once and copied. */
export function makeClip(dest: string, options: ClipOptions = {}): string {
  const { durationSec = 6, size = '320x180', fps = 25, gopFrames = 50, toneHz = 440 } = options;
  const key = `${durationSec}-${size}-${fps}-${gopFrames}-${toneHz}.mp4`;
  const cached = path.join(CLIP_CACHE, key);
  if (!existsSync(cached)) {
    mkdirSync(CLIP_CACHE, { recursive: true });
    execFileSync('ffmpeg', [
      '-v', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}:duration=${durationSec}`,
      '-f', 'lavfi', '-i', `sine=frequency=${toneHz}:sample_rate=48000:duration=${durationSec}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(gopFrames), '-keyint_min', String(gopFrames), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', cached,
    ]);
  }
  mkdirSync(path.dirname(dest), { recursive: true });
  copyFileSync(cached, dest);
  return dest;
}

/** An audio-only AAC rendition (`.m4a`, moov first), made by ffmpeg. */
export function makeAudioClip(dest: string, durationSec = 6): string {
  mkdirSync(path.dirname(dest), { recursive: true });
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${durationSec}`,
    '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', dest,
  ]);
  return dest;
}

/** Duration of a media file or playlist, from ffprobe's format section. */
export function probeDurationSec(file: string): number {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return Number.parseFloat(out);
}

/** ffmpeg's decode errors for a file or playlist: empty for a conformant stream. */
export function decodeErrors(file: string): string {
  const run = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  return `${run.stderr}${run.status === 0 ? '' : `exit ${run.status}`}`.trim();
}
