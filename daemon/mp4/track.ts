// One trak box → a VideoTrack or AudioTrack: headers, edit shift, sample entry and sample table.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import { findChild, requireChild, type Box } from './boxes.js';
import { FourCC, fourCCAt } from './fourcc.js';
import { NO_EDIT, editListEntries, reduceEditList } from './edit-list.js';
import { trimToEdit } from './edit-window.js';
import { firstSampleEntry, parseAudioEntry, parseVideoEntry } from './sample-entry.js';
import { buildSampleTable } from './sample-table.js';
import { joinFragmentSamples } from './fragment-join.js';
import type { FragmentTracks } from './fragments.js';
import type { SourceLimits } from '../source-limits.js';
import type { AudioTrack, EditShift, SampleTable, VideoTrack } from './types.js';

/** What every track of a movie is read with. */
export interface MovieContext {
  readonly fileSizeBytes: number;
  readonly limits: SourceLimits;
  /** The target the movie will be planned at: limits.max_segments is checked per track against it. */
  readonly segmentDurationSec: number;
  /** A fragmented file's track fragments by track_ID (absent for a file without mvex). */
  readonly fragments?: FragmentTracks;
}

export interface TrackContext extends MovieContext {
  readonly movieTimescale: number;
  /** Samples of the tracks read before this one, for limits.max_samples. */
  readonly samplesBefore: number;
  /** Audio only: where the video's kept pre-roll starts (see edit-window.ts). */
  readonly videoFromSec?: number;
}

/** hdlr (§8.4.3.2): version/flags, pre_defined (32), handler_type (32). */
export function handlerType(trak: Box): string {
  const hdlr = requireChild(requireChild(trak, FourCC.mdia), FourCC.hdlr);
  new ByteCursor(hdlr.payload, hdlr.path).need(12, 'handler_type');
  return fourCCAt(hdlr.payload, 8);
}

/** tkhd (§8.3.2.2): track_ID after the creation and modification times (32 or 64 bits by version). */
function trackId(trak: Box): number {
  const tkhd = requireChild(trak, FourCC.tkhd);
  const cursor = new ByteCursor(tkhd.payload, tkhd.path);
  const { version } = cursor.fullBoxHeader();
  cursor.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  return cursor.u32(); // track_ID
}

/** mdhd (§8.4.2.2): timescale and duration (32 or 64 bits by version). */
function mediaHeader(mdia: Box): { timescale: number; durationTicks: number } {
  const mdhd = requireChild(mdia, FourCC.mdhd);
  const cursor = new ByteCursor(mdhd.payload, mdhd.path);
  const { version } = cursor.fullBoxHeader();
  cursor.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const timescale = cursor.u32(); // timescale
  const durationTicks = version === 1 ? cursor.u64() : cursor.u32(); // duration
  if (timescale === 0) throw mp4Error('MP4_BAD_BOX', `${mdhd.path}: timescale is 0`, { where: mdhd.path });
  return { timescale, durationTicks };
}

export function editShift(trak: Box, movieTimescale: number, trackTimescale: number): EditShift {
  const edts = findChild(trak, FourCC.edts);
  const elst = edts ? findChild(edts, FourCC.elst) : undefined;
  return elst ? reduceEditList(editListEntries(elst), movieTimescale, trackTimescale) : NO_EDIT;
}

function commonParts(trak: Box, ctx: TrackContext) {
  const mdia = requireChild(trak, FourCC.mdia);
  const { timescale, durationTicks } = mediaHeader(mdia);
  const stbl = requireChild(requireChild(mdia, FourCC.minf), FourCC.stbl);
  return {
    id: trackId(trak),
    timescale,
    durationTicks,
    edit: editShift(trak, ctx.movieTimescale, timescale),
    stbl,
    sampleEntry: firstSampleEntry(requireChild(stbl, FourCC.stsd)),
  };
}

/** The stbl's samples, followed by the track's fragments' in a fragmented file. */
function trackSamples(stbl: Box, ctx: TrackContext, track: { id: number; timescale: number }): SampleTable {
  const tableCtx = { ...ctx, timescale: track.timescale };
  const table = buildSampleTable(stbl, tableCtx);
  if (!ctx.fragments) return table;
  return joinFragmentSamples(table, ctx.fragments.get(track.id), { ...tableCtx, where: `moof/traf (track ${track.id})` });
}

/** The sample entry is checked before the sample table, so an unsupported codec is named even in a damaged file. */
export function parseVideoTrack(trak: Box, ctx: TrackContext): VideoTrack {
  const { stbl, sampleEntry, ...header } = commonParts(trak, ctx);
  const entry = parseVideoEntry(sampleEntry);
  return { kind: 'video', ...header, ...entry, samples: trimToEdit(trackSamples(stbl, ctx, header), header.edit, { kind: 'video', timescale: header.timescale }) };
}

export function parseAudioTrack(trak: Box, ctx: TrackContext): AudioTrack {
  const { stbl, sampleEntry, ...header } = commonParts(trak, ctx);
  const entry = parseAudioEntry(sampleEntry);
  return { kind: 'audio', ...header, ...entry, samples: trimToEdit(trackSamples(stbl, ctx, header), header.edit, { kind: 'audio', timescale: header.timescale, videoFromSec: ctx.videoFromSec }) };
}
