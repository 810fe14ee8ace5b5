// Reduces a track's edit list (elst) to the one EditShift rule that every rendition follows.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import type { Box } from './boxes.js';
import type { EditShift } from './types.js';

/** media_time value of an empty edit (ISO/IEC 14496-12 §8.6.6.3: "-1 indicates an empty edit"). */
const EMPTY_EDIT_MEDIA_TIME = -1;

export interface EditListEntry {
  /** segment_duration, in the movie (mvhd) timescale. */
  readonly segmentDuration: number;
  /** media_time, in the track (mdhd) timescale; signed, -1 = empty edit. */
  readonly mediaTime: number;
  /** media_rate_integer; 0 is a dwell, 1 is normal play. */
  readonly mediaRateInteger: number;
}

/**
 * The entries of elst v0 (32-bit fields) and v1 (64-bit fields), ISO/IEC 14496-12 §8.6.6.2, one at
 * a time: only the leading ones are used, and a list of millions of entries is never held in memory.
 */
export function* editListEntries(elst: Box): Generator<EditListEntry> {
  const cursor = new ByteCursor(elst.payload, elst.path);
  const { version } = cursor.fullBoxHeader();
  const entryCount = cursor.u32();
  const entryBytes = version === 1 ? 20 : 12;
  if (entryCount > cursor.remaining / entryBytes) {
    throw mp4Error('MP4_BAD_BOX', `${elst.path}: ${entryCount} entries do not fit in the box`, { entryCount, boxBytes: elst.payload.length });
  }
  for (let i = 0; i < entryCount; i++) {
    const segmentDuration = version === 1 ? cursor.u64() : cursor.u32();
    const mediaTime = version === 1 ? cursor.i64() : cursor.i32();
    const mediaRateInteger = cursor.u16();
    cursor.skip(2); // media_rate_fraction
    yield { segmentDuration, mediaTime, mediaRateInteger };
  }
}

/**
 * The edit rule (ISO/IEC 14496-12 §8.6.6): an edit list maps the media timeline onto the presentation.
 * We reduce every list to one window of the media, placed on the presentation timeline:
 *
 *   presentation time = (media time - mediaStartTicks) + emptyDelayTicks      (track timescale)
 *
 * - Leading empty edits (media_time = -1, read as a signed value) delay the presentation: their
 *   segment_durations are summed and converted from the movie timescale to the track timescale.
 * - The first media edit (media_time >= 0) says which media time is shown first (mediaStartTicks)
 *   and for how long (mediaDurationTicks). ffmpeg writes one for AAC priming and for B-frame delay;
 *   a stream-copy cut writes one that hides the pre-roll from the previous keyframe and ends at
 *   the cut's end.
 * - Media edits that carry on exactly where the previous one stopped (a list split in pieces) are
 *   merged into it. Any other later edit (a jump, a dwell, an empty edit between media edits) is
 *   not applied and counted in ignoredEdits: the presentation ends where the first run of edits does.
 * - Any other negative media_time is treated as an empty edit, as the spec defines no other meaning.
 * - A segment_duration of 0 says nothing about the end: the media plays to its end.
 */
export function reduceEditList(entries: Iterable<EditListEntry>, movieTimescale: number, trackTimescale: number): EditShift {
  let emptyMovieTicks = 0;
  let run: { mediaStartTicks: number; movieTicks: number } | undefined;
  let ignoredEdits = 0;
  for (const entry of entries) {
    const isEmpty = entry.mediaTime <= EMPTY_EDIT_MEDIA_TIME;
    if (!run) {
      if (isEmpty) emptyMovieTicks += entry.segmentDuration;
      else run = { mediaStartTicks: entry.mediaTime, movieTicks: entry.segmentDuration };
      continue;
    }
    const runEndTicks = run.mediaStartTicks + movieToTrackTicks(run.movieTicks, movieTimescale, trackTimescale);
    const continues = ignoredEdits === 0 && !isEmpty && entry.mediaRateInteger === 1 && run.movieTicks > 0;
    // One movie tick of slack: each duration was rounded to the movie timescale on its own.
    if (continues && Math.abs(entry.mediaTime - runEndTicks) <= Math.ceil(trackTimescale / movieTimescale)) run.movieTicks += entry.segmentDuration;
    else ignoredEdits++;
  }
  const emptyDelayTicks = movieToTrackTicks(emptyMovieTicks, movieTimescale, trackTimescale);
  // No media edit at all: the media starts at its own time zero, after any empty edits.
  if (!run) return { emptyDelayTicks, mediaStartTicks: 0 };
  return {
    emptyDelayTicks,
    mediaStartTicks: run.mediaStartTicks,
    ...(run.movieTicks > 0 ? { mediaDurationTicks: movieToTrackTicks(run.movieTicks, movieTimescale, trackTimescale) } : {}),
    ...(ignoredEdits > 0 ? { ignoredEdits } : {}),
  };
}

function movieToTrackTicks(movieTicks: number, movieTimescale: number, trackTimescale: number): number {
  if (movieTicks === 0) return 0;
  return Math.round((movieTicks / movieTimescale) * trackTimescale);
}

export const NO_EDIT: EditShift = { emptyDelayTicks: 0, mediaStartTicks: 0 };
