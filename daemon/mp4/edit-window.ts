// The samples an edit list presents, plus those a decoder needs for them: a track's sample table cut to that window (pure).

import type { EditShift, SampleTable } from './types.js';

/** Inclusive decode-order indexes of the samples kept. */
export interface SampleWindow {
  readonly first: number;
  readonly last: number;
}

function pts(table: SampleTable, i: number): number {
  return table.dts[i] + table.cts[i];
}

/**
 * `videoFromSec`: where the video's kept pre-roll starts on the presentation timeline. Audio is kept
 * from there too, so that in MPEG-TS both streams start together at the segment's first packets: a
 * demuxer probing the start of a segment (ffmpeg's HLS reader) sees the audio there and times it, and
 * a player that plays the pre-roll rather than dropping it plays it with its sound.
 */
export interface WindowOptions {
  readonly kind: 'video' | 'audio';
  readonly videoFromSec?: number;
  readonly timescale: number;
}

/** Pictures up to the next sync sample that are decoded after sample `i` but shown before it. */
const LEADING_LOOKAHEAD = 16;

/**
 * An open-GOP sync sample (a recovery point, an HEVC CRA) is followed in decode order by pictures
 * shown before it that predict from the GOP before: starting there would leave them undecodable.
 */
function hasLeadingPictures(table: SampleTable, i: number): boolean {
  const end = Math.min(table.count, i + 1 + LEADING_LOOKAHEAD);
  for (let k = i + 1; k < end && !table.sync[k]; k++) if (pts(table, k) < pts(table, i)) return true;
  return false;
}

/**
 * Video: from the last sync sample presented at or before the edit's media_time (the pictures in
 * between are hidden, but the ones after media_time are predicted from them), so the hidden
 * pre-roll of a stream-copy cut is kept from its keyframe on and nothing earlier; a sync sample
 * with leading pictures is passed over for an earlier one.
 * Audio: from the frame that holds media_time, plus one frame before it, since AAC and MP3 frames
 * overlap their neighbour (MDCT) and the first frame out of a decoder is otherwise incomplete;
 * or from where the video's pre-roll starts, when that is earlier (see WindowOptions).
 */
function firstKept(table: SampleTable, edit: EditShift, options: WindowOptions): number {
  const { mediaStartTicks } = edit;
  if (options.kind === 'video') {
    let first = 0;
    for (let i = 0; i < table.count && table.dts[i] <= mediaStartTicks; i++) {
      if (table.sync[i] && pts(table, i) <= mediaStartTicks && !hasLeadingPictures(table, i)) first = i;
    }
    return first;
  }
  const videoFromTicks = options.videoFromSec === undefined ? Infinity : options.videoFromSec * options.timescale + mediaStartTicks - edit.emptyDelayTicks;
  const fromTicks = Math.min(mediaStartTicks, videoFromTicks);
  let holding = 0;
  while (holding + 1 < table.count && pts(table, holding) + table.durations[holding] <= fromTicks) holding++;
  return fromTicks < mediaStartTicks ? holding : Math.max(0, holding - 1);
}

/**
 * Up to the last sample in decode order presented before the edit's end: every later one is
 * presented after it, and no earlier sample can depend on a later one in decode order.
 */
function lastKept(table: SampleTable, endTicks: number, first: number): number {
  for (let i = table.count - 1; i > first; i--) if (pts(table, i) < endTicks) return i;
  return first;
}

export function editWindow(table: SampleTable, edit: EditShift, options: WindowOptions): SampleWindow {
  if (table.count === 0) return { first: 0, last: -1 };
  const first = firstKept(table, edit, options);
  const last = edit.mediaDurationTicks === undefined ? table.count - 1 : lastKept(table, edit.mediaStartTicks + edit.mediaDurationTicks, first);
  return { first, last };
}

/**
 * The table cut to the edit's window (the same table when nothing is cut). The columns are copied,
 * not viewed, so each still spans its own buffer and moves out of a parse worker without a copy.
 */
export function trimToEdit(table: SampleTable, edit: EditShift, options: WindowOptions): SampleTable {
  const { first, last } = editWindow(table, edit, options);
  if (first === 0 && last === table.count - 1) return table;
  const end = last + 1;
  return {
    count: end - first,
    offsets: table.offsets.slice(first, end),
    sizes: table.sizes.slice(first, end),
    dts: table.dts.slice(first, end),
    cts: table.cts.slice(first, end),
    durations: table.durations.slice(first, end),
    sync: table.sync.slice(first, end),
  };
}

/** Where a (trimmed) video track's first kept sample is presented, in seconds on the presentation timeline. */
export function keptFromSec(table: SampleTable, edit: EditShift, timescale: number): number | undefined {
  if (table.count === 0) return undefined;
  let earliest = Infinity;
  for (let i = 0; i < table.count; i++) earliest = Math.min(earliest, pts(table, i));
  return (earliest - edit.mediaStartTicks + edit.emptyDelayTicks) / timescale;
}
