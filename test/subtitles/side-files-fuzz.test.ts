// Mutated and truncated side files: the readers give cues or a SUBTITLE_INVALID error naming the file, never anything else.

import { describe, expect, it } from 'vitest';
import { CasterpakError } from '../../daemon/errors.js';
import { WebVTTParser } from 'webvtt-parser';
import { renderVttFile } from '../../daemon/subtitles/segment-vtt.js';
import { parseSrt } from '../../daemon/subtitles/srt-read.js';
import { decodeUtf8 } from '../../daemon/subtitles/text-decode.js';
import { parseWebVtt } from '../../daemon/subtitles/webvtt-read.js';
import { srtText, vttText, ENGLISH_CUES, FRENCH_CUES } from '../helpers/subtitled-clip.js';

/** A small seeded generator (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['0', '1', '9', ':', ',', '.', ' ', '\n', '\r', '-', '>', '<', 'i', '&', '\xff', '\x00', 'WEBVTT', '-->'];

function mutate(text: string, next: () => number): Uint8Array {
  const chars = [...text];
  const edits = 1 + Math.floor(next() * 4);
  for (let k = 0; k < edits; k++) {
    const at = Math.floor(next() * (chars.length + 1));
    const pick = ALPHABET[Math.floor(next() * ALPHABET.length)];
    const kind = next();
    if (kind < 0.4) chars.splice(at, 1, pick);
    else if (kind < 0.7) chars.splice(at, 0, pick);
    else if (kind < 0.9) chars.splice(at, 1);
    else chars.length = at;
  }
  // Latin-1 bytes for \xff make some cases invalid UTF-8.
  return Uint8Array.from(Buffer.from(chars.join(''), chars.some((c) => c === '\xff') ? 'latin1' : 'utf8'));
}

describe('side-file readers under mutation', () => {
  it.each([
    ['vtt', vttText(FRENCH_CUES), parseWebVtt],
    ['srt', srtText(ENGLISH_CUES), parseSrt],
  ] as const)('read 2,000 mutated %s files to cues with positive spans that are written back as valid WebVTT, or refuse them with SUBTITLE_INVALID', (format, text, parse) => {
    const next = random(format === 'vtt' ? 7 : 11);
    for (let n = 0; n < 2000; n++) {
      const bytes = mutate(text, next);
      try {
        const cues = parse(decodeUtf8(bytes, `case-${n}.${format}`), `case-${n}.${format}`);
        for (const cue of cues) expect(cue.endMs, `case ${n}`).toBeGreaterThan(cue.startMs);
        // What is read is written back as WebVTT that an independent parser takes whole.
        const tree = new WebVTTParser().parse(renderVttFile(cues), 'metadata');
        expect(tree.errors, `case ${n}`).toEqual([]);
        expect(tree.cues.length, `case ${n}`).toBe(cues.length);
      } catch (err) {
        expect(err, `case ${n}: ${(err as Error).message}`).toBeInstanceOf(CasterpakError);
        expect((err as CasterpakError).code).toBe('SUBTITLE_INVALID');
        expect((err as Error).message).toContain(`case-${n}.${format}`);
      }
    }
  });
});
