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
 * Video: from the last sync sample presented at or before the edit's media_time (the pictures in
 * between are hidden, but the ones after media_time are predicted from them), so the hidden
 * pre-roll of a stream-copy cut is kept from its keyframe on and nothing earlier.
 * Audio: from the frame that holds media_time, plus one frame before it, since AAC and MP3 frames
 * overlap their neighbour (MDCT) and the first frame out of a decoder is otherwise incomplete.
 */
function firstKept(table: SampleTable, mediaStartTicks: number, kind: 'video' | 'audio'): number {
  if (kind === 'video') {
    let first = 0;
    for (let i = 0; i < table.count; i++) if (table.sync[i] && pts(table, i) <= mediaStartTicks) first = i;
    return first;
  }
  let holding = 0;
  while (holding + 1 < table.count && pts(table, holding) + table.durations[holding] <= mediaStartTicks) holding++;
  return Math.max(0, holding - 1);
}

/**
 * Up to the last sample in decode order presented before the edit's end: every later one is
 * presented after it, and no earlier sample can depend on a later one in decode order.
 */
function lastKept(table: SampleTable, endTicks: number, first: number): number {
  for (let i = table.count - 1; i > first; i--) if (pts(table, i) < endTicks) return i;
  return first;
}

export function editWindow(table: SampleTable, edit: EditShift, kind: 'video' | 'audio'): SampleWindow {
  if (table.count === 0) return { first: 0, last: -1 };
  const first = firstKept(table, edit.mediaStartTicks, kind);
  const last = edit.mediaDurationTicks === undefined ? table.count - 1 : lastKept(table, edit.mediaStartTicks + edit.mediaDurationTicks, first);
  return { first, last };
}

/**
 * The table cut to the edit's window (the same table when nothing is cut). The columns are copied,
 * not viewed, so each still spans its own buffer and moves out of a parse worker without a copy.
 */
export function trimToEdit(table: SampleTable, edit: EditShift, kind: 'video' | 'audio'): SampleTable {
  const { first, last } = editWindow(table, edit, kind);
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
