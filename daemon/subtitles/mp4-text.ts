// An MP4 text track's samples → cues: 3GPP timed text (tx3g, 3GPP TS 26.245 §5.17) and ISO/IEC 14496-30 WebVTT (wvtt) (pure).

import { escapeCueText, safeCuePayload, type Cue } from './cues.js';

/** A sample's presentation span in milliseconds on the rendition's timeline. */
export interface SampleSpanMs {
  readonly startMs: number;
  readonly endMs: number;
}

const utf8 = new TextDecoder('utf-8');
const utf16be = new TextDecoder('utf-16be');

/**
 * tx3g TextSample: text_length (16), then the text (UTF-8, or UTF-16 after a BOM 0xFEFF), then style
 * boxes this ignores. An empty text is the gap between two cues (mov_text writes one).
 */
export function tx3gSampleText(sample: Uint8Array): string {
  if (sample.length < 2) return '';
  const length = Math.min((sample[0] << 8) | sample[1], sample.length - 2);
  const text = sample.subarray(2, 2 + length);
  if (text.length >= 2 && text[0] === 0xfe && text[1] === 0xff) return utf16be.decode(text.subarray(2));
  return utf8.decode(text);
}

/** The child boxes of a byte run: [type, payload] pairs; stops at a box that runs past the end. */
function boxesOf(bytes: Uint8Array): Array<[string, Uint8Array]> {
  const boxes: Array<[string, Uint8Array]> = [];
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const size = ((bytes[offset] << 24) >>> 0) + (bytes[offset + 1] << 16) + (bytes[offset + 2] << 8) + bytes[offset + 3];
    if (size < 8 || offset + size > bytes.length) break;
    boxes.push([String.fromCharCode(...bytes.subarray(offset + 4, offset + 8)), bytes.subarray(offset + 8, offset + size)]);
    offset += size;
  }
  return boxes;
}

/** wvtt sample (ISO/IEC 14496-30 §7.2): `vttc` boxes (payl text, sttg settings, iden id), or one `vtte` for a gap. */
export function wvttSampleCues(sample: Uint8Array, span: SampleSpanMs): Cue[] {
  const cues: Cue[] = [];
  for (const [type, payload] of boxesOf(sample)) {
    if (type !== 'vttc') continue;
    const parts = new Map(boxesOf(payload).map(([t, p]) => [t, utf8.decode(p)]));
    const text = safeCuePayload(parts.get('payl') ?? '');
    if (text === '') continue;
    const id = parts.get('iden')?.trim();
    const settings = parts.get('sttg')?.trim();
    cues.push({ ...span, text, ...(id ? { id } : {}), ...(settings ? { settings } : {}) });
  }
  return cues;
}

/** One sample of a text track → its cues (none for a gap). */
export function sampleCues(format: 'tx3g' | 'wvtt', sample: Uint8Array, span: SampleSpanMs): Cue[] {
  if (span.endMs <= span.startMs) return [];
  if (format === 'wvtt') return wvttSampleCues(sample, span);
  const text = safeCuePayload(escapeCueText(tx3gSampleText(sample)));
  return text === '' ? [] : [{ ...span, text }];
}
