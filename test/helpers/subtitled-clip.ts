// A titled test programme: an H.264/AAC clip with a mov_text (tx3g) track made by ffmpeg, and the texts of its side files.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeClip } from './clip.js';

/** One cue as a side file or the mov_text track holds it: times in seconds on the clip's presentation timeline. */
export interface TestCue {
  readonly startSec: number;
  readonly endSec: number;
  readonly text: string;
}

/** English in SRT: the second cue spans the 2 s segment boundary (segment_duration = 2). */
export const ENGLISH_CUES: readonly TestCue[] = [
  { startSec: 0.5, endSec: 1.5, text: 'Hello' },
  { startSec: 1.8, endSec: 2.6, text: 'Across the cut' },
  { startSec: 3.2, endSec: 4.4, text: 'Goodbye' },
];

/** French in WebVTT. */
export const FRENCH_CUES: readonly TestCue[] = [
  { startSec: 0.6, endSec: 1.6, text: 'Bonjour' },
  { startSec: 2.4, endSec: 3.6, text: 'Au revoir' },
];

/** German in the MP4's own mov_text track. */
export const GERMAN_CUES: readonly TestCue[] = [
  { startSec: 1.0, endSec: 2.0, text: 'Hallo' },
  { startSec: 3.0, endSec: 4.0, text: 'Tschüss' },
];

function stamp(sec: number, separator: string): string {
  const ms = Math.round(sec * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

export function srtText(cues: readonly TestCue[]): string {
  return cues.map((c, k) => `${k + 1}\n${stamp(c.startSec, ',')} --> ${stamp(c.endSec, ',')}\n${c.text}\n`).join('\n');
}

export function vttText(cues: readonly TestCue[]): string {
  return `WEBVTT\n\n${cues.map((c) => `${stamp(c.startSec, '.')} --> ${stamp(c.endSec, '.')}\n${c.text}\n`).join('\n')}`;
}

/**
 * `<dir>/<name>.mp4` with a German mov_text track (ffmpeg `-c:s mov_text`), `<name>.en.srt` and
 * `<name>.fr.vtt` beside it. Returns the MP4's path.
 */
export function makeSubtitledClip(dir: string, name: string, durationSec = 5): string {
  mkdirSync(dir, { recursive: true });
  const plain = makeClip(path.join(tmpdir(), `casterpak-subs-${process.pid}-${name}-plain.mp4`), { durationSec, fps: 25 });
  const germanSrt = path.join(tmpdir(), `casterpak-subs-${process.pid}-${name}.de.srt`);
  writeFileSync(germanSrt, srtText(GERMAN_CUES));
  const out = path.join(dir, `${name}.mp4`);
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-i', plain, '-i', germanSrt,
    '-map', '0', '-map', '1', '-c:v', 'copy', '-c:a', 'copy', '-c:s', 'mov_text',
    '-metadata:s:s:0', 'language=deu', '-movflags', '+faststart', out,
  ]);
  writeFileSync(path.join(dir, `${name}.en.srt`), srtText(ENGLISH_CUES));
  writeFileSync(path.join(dir, `${name}.fr.vtt`), vttText(FRENCH_CUES));
  return out;
}
