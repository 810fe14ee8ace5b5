// The moov's text tracks (3GPP timed text `tx3g`, as ffmpeg's mov_text writes it, and ISO/IEC 14496-30 `wvtt`): headers and sample tables, for subtitles.
//
// Read apart from the video and audio tracks the packager takes: a text track never changes how the
// rendition is cut, and a file whose text track is damaged still plays without it (see readTextTracks).

import { ByteCursor } from './bytes.js';
import { findChild, requireChild, childBoxes, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';
import { buildSampleTable } from './sample-table.js';
import { firstSampleEntry } from './sample-entry.js';
import { editShift, handlerType } from './track.js';
import { trackHeader } from './track-choice.js';
import type { SourceLimits } from '../source-limits.js';
import type { EditShift, SampleTable } from './types.js';

export type TextFormat = 'tx3g' | 'wvtt';

export interface TextTrack {
  readonly id: number;
  readonly format: TextFormat;
  readonly timescale: number;
  readonly edit: EditShift;
  /** mdhd's ISO 639-2 code, or elng's BCP 47 tag when the track has one (§8.4.6). */
  readonly language: string;
  /** The track's name from `udta/name` (QuickTime), when it has one. */
  readonly name?: string;
  readonly samples: SampleTable;
}

/** Handlers of subtitle tracks: QuickTime/3GPP `text` and `sbtl`, ISO `subt` (§12.6). */
const TEXT_HANDLERS = new Set(['text', 'sbtl', 'subt']);

export interface TextTrackContext {
  readonly fileSizeBytes: number;
  readonly limits: SourceLimits;
  readonly segmentDurationSec: number;
}

/** A text track that could not be read, and why (for the log). */
export interface SkippedTextTrack {
  readonly id: number;
  readonly reason: string;
}

/** mdhd (§8.4.2.2): timescale, then after the duration the packed ISO 639-2 language (pad bit + 3 × 5 bits). */
function mediaHeader(mdia: Box): { timescale: number; packedLanguage: number } {
  const mdhd = requireChild(mdia, FourCC.mdhd);
  const cursor = new ByteCursor(mdhd.payload, mdhd.path);
  const { version } = cursor.fullBoxHeader();
  cursor.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const timescale = cursor.u32(); // timescale
  cursor.skip(version === 1 ? 8 : 4); // duration
  return { timescale, packedLanguage: cursor.u16() & 0x7fff }; // pad, language
}

/** A zero-terminated (or box-terminated) UTF-8 string at `offset`. */
function cString(payload: Uint8Array, offset: number): string {
  const end = payload.indexOf(0, offset);
  return new TextDecoder().decode(payload.subarray(offset, end === -1 ? payload.length : end)).trim();
}

/** elng (§8.4.6): full box header, then the extended language tag. */
function extendedLanguage(mdia: Box): string | undefined {
  const elng = findChild(mdia, 'elng');
  return elng && elng.payload.length > 4 ? cString(elng.payload, 4) || undefined : undefined;
}

/** QuickTime's `udta/name`: the track's title as ffmpeg and QuickTime write it (plain bytes, no header). */
function udtaName(trak: Box): string | undefined {
  const udta = findChild(trak, 'udta');
  const name = udta ? findChild(udta, 'name') : undefined;
  return name ? cString(name.payload, 0) || undefined : undefined;
}

function readTextTrack(trak: Box, ctx: TextTrackContext, movieTimescale: number): TextTrack | undefined {
  const mdia = requireChild(trak, FourCC.mdia);
  const stbl = requireChild(requireChild(mdia, FourCC.minf), FourCC.stbl);
  const entry = firstSampleEntry(requireChild(stbl, FourCC.stsd));
  if (entry.type !== 'tx3g' && entry.type !== 'wvtt') return undefined;
  const { timescale, packedLanguage } = mediaHeader(mdia);
  const samples = buildSampleTable(stbl, { ...ctx, timescale, samplesBefore: 0 });
  const name = udtaName(trak);
  return {
    id: trackHeader(trak).id,
    format: entry.type,
    timescale,
    edit: editShift(trak, movieTimescale, timescale),
    language: extendedLanguage(mdia) ?? packedLanguageCode(packedLanguage),
    ...(name ? { name } : {}),
    samples,
  };
}

/** §8.4.2.3: three 5-bit letters offset by 0x60; `und` when a letter is 0 (no language written). */
function packedLanguageCode(packed: number): string {
  const letters = [(packed >> 10) & 0x1f, (packed >> 5) & 0x1f, packed & 0x1f];
  return letters.some((c) => c === 0) ? 'und' : String.fromCharCode(...letters.map((c) => c + 0x60));
}

/** mvhd's timescale (edit list durations are in it). */
function movieTimescaleOf(moov: Box): number {
  const mvhd = requireChild(moov, FourCC.mvhd);
  const cursor = new ByteCursor(mvhd.payload, mvhd.path);
  const { version } = cursor.fullBoxHeader();
  cursor.skip(version === 1 ? 16 : 8);
  return cursor.u32();
}

/**
 * Every tx3g or wvtt track of the moov. A track that cannot be read is skipped with its reason (the
 * subtitles are extra: the rendition plays without them); other text formats are skipped the same way.
 */
export function readTextTracks(moov: Box, ctx: TextTrackContext): { tracks: TextTrack[]; skipped: SkippedTextTrack[] } {
  const tracks: TextTrack[] = [];
  const skipped: SkippedTextTrack[] = [];
  const traks = childBoxes(moov).filter((box) => box.type === FourCC.trak);
  const movieTimescale = movieTimescaleOf(moov);
  for (const trak of traks) {
    let id = 0;
    try {
      if (!TEXT_HANDLERS.has(handlerType(trak))) continue;
      id = trackHeader(trak).id;
      const track = readTextTrack(trak, ctx, movieTimescale);
      if (track) tracks.push(track);
      else skipped.push({ id, reason: `text track ${id}: its sample entry is neither tx3g nor wvtt` });
    } catch (err) {
      skipped.push({ id, reason: `text track ${id}: ${(err as Error).message}` });
    }
  }
  return { tracks, skipped };
}
