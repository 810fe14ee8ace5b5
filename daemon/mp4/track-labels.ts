// What a track says about itself for a player's menu: its language (mdhd, elng) and its name (udta/name, hdlr) (pure).

import { findChild, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';

export interface TrackLabels {
  /** BCP 47 tag in canonical form (`en`, `pt-BR`); absent when the file says `und` or nothing usable. */
  readonly language?: string;
  /** The name the file gives the track (its udta/name, else a hdlr name that is not a tool's generic one). */
  readonly title?: string;
}

/** A longer name is cut: it only labels a menu entry. */
const MAX_TITLE_CHARS = 64;

/** Handler names tools write whatever the track holds ("SoundHandler", "Core Media Audio", "GPAC ISO Audio Handler"). */
const GENERIC_HANDLER_NAME = /handler|core media|media file|^(sound|audio|video|soun|vide)$/i;

/** A language tag in canonical form, or undefined for `und`, `mul`, `zxx` and anything Intl does not take. */
export function canonicalLanguage(tag: string): string | undefined {
  const trimmed = tag.trim();
  if (trimmed === '' || /^(und|mul|zxx|mis)$/i.test(trimmed)) return undefined;
  try {
    return Intl.getCanonicalLocales(trimmed)[0];
  } catch {
    return undefined;
  }
}

/** mdhd (§8.4.2.2): after the times, timescale and duration, a pad bit and three 5-bit letters (ISO 639-2/T, each + 0x60). */
function mdhdLanguage(mdia: Box): string | undefined {
  const mdhd = findChild(mdia, FourCC.mdhd);
  if (!mdhd || mdhd.payload.length < 4) return undefined;
  const at = mdhd.payload[0] === 1 ? 4 + 16 + 4 + 8 : 4 + 8 + 4 + 4;
  if (mdhd.payload.length < at + 2) return undefined;
  const packed = (mdhd.payload[at] << 8) | mdhd.payload[at + 1];
  const letters = [(packed >> 10) & 0x1f, (packed >> 5) & 0x1f, packed & 0x1f];
  // 0 is the QuickTime "Macintosh language code" form (English is 0): no ISO letters to read.
  if (letters.some((l) => l < 1 || l > 26)) return undefined;
  return String.fromCharCode(...letters.map((l) => l + 0x60));
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  const raw = new TextDecoder('utf-8').decode(end === -1 ? bytes : bytes.subarray(0, end));
  // Control characters (and quotes, which end a playlist attribute) never belong in a menu label.
  return raw.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, MAX_TITLE_CHARS);
}

/** elng (§8.4.6): version/flags, then a null-terminated BCP 47 tag that overrides mdhd's language. */
function elngLanguage(mdia: Box): string | undefined {
  const elng = findChild(mdia, 'elng');
  return elng && elng.payload.length > 4 ? text(elng.payload.subarray(4)) : undefined;
}

/** hdlr (§8.4.3.2): version/flags, pre_defined, handler_type, reserved[3], then the name (C string, or a QuickTime Pascal string). */
function handlerName(mdia: Box): string | undefined {
  const hdlr = findChild(mdia, FourCC.hdlr);
  if (!hdlr || hdlr.payload.length <= 24) return undefined;
  let name = hdlr.payload.subarray(24);
  if (name[0] === name.length - 1 && name.length > 1) name = name.subarray(1);
  const value = text(name);
  return value !== '' && !GENERIC_HANDLER_NAME.test(value) ? value : undefined;
}

/** udta/name (ISO/IEC 14496-12 leaves it to writers; ffmpeg and Apple tools write the track title there, a plain string). */
function userDataName(trak: Box): string | undefined {
  const udta = findChild(trak, 'udta');
  const name = udta ? findChild(udta, 'name') : undefined;
  const value = name ? text(name.payload) : '';
  return value !== '' ? value : undefined;
}

/** Labels never refuse a track: a box that does not read is as good as absent. */
export function trackLabels(trak: Box): TrackLabels {
  try {
    const mdia = findChild(trak, FourCC.mdia);
    const elng = mdia ? elngLanguage(mdia) : undefined;
    const language = canonicalLanguage((elng ? elng : undefined) ?? (mdia ? mdhdLanguage(mdia) : undefined) ?? '');
    const title = userDataName(trak) ?? (mdia ? handlerName(mdia) : undefined);
    return { ...(language ? { language } : {}), ...(title ? { title } : {}) };
  } catch {
    return {};
  }
}
