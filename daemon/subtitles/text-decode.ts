// A side file's bytes → its text: UTF-8 only (a BOM allowed), refused otherwise with the offset of the first bad byte (pure).

import { CasterpakError } from '../errors.js';

const BOM = '\uFEFF';

/** WebVTT is UTF-8 by definition (W3C WebVTT §4.1); SRT has no declared encoding, and we take UTF-8 alone rather than guess. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    return text.startsWith(BOM) ? text.slice(1) : text;
  } catch {
    const at = firstInvalidUtf8(bytes);
    throw new CasterpakError('SUBTITLE_INVALID', `${what} is not UTF-8 (first invalid byte at offset ${at}); save it as UTF-8`, { offset: at });
  }
}

/** Where the first undecodable byte lies: the bytes of the text before the first replacement character a lenient decoder writes. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const lenient = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const at = lenient.indexOf('\uFFFD');
  return at === -1 ? 0 : new TextEncoder().encode(lenient.slice(0, at)).length;
}
