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
 * MPEG-TS has no such mapping, so we reduce every list to a constant shift, applied to all samples:
 *
 *   presentation time = (media time - mediaStartTicks) + emptyDelayTicks      (track timescale)
 *
 * - Leading empty edits (media_time = -1, read as a signed value) delay the presentation: their
 *   segment_durations are summed and converted from the movie timescale to the track timescale.
 * - The first media edit (media_time >= 0) says which media time is shown first: mediaStartTicks.
 *   ffmpeg writes one for AAC priming and for B-frame delay; a stream-copy cut writes one for the
 *   pre-roll from the previous keyframe.
 * - Later edits, the media edit's own duration (trimming the end) and rates (dwells) are ignored:
 *   honouring them in TS would mean dropping or repeating samples. Every sample is kept, so frames
 *   before mediaStartTicks get negative presentation times; the packager shifts the whole rendition
 *   by one constant so that all timestamps stay non-negative.
 * - Any other negative media_time is treated as an empty edit, as the spec defines no other meaning.
 */
export function reduceEditList(entries: Iterable<EditListEntry>, movieTimescale: number, trackTimescale: number): EditShift {
  let emptyMovieTicks = 0;
  for (const entry of entries) {
    if (entry.mediaTime <= EMPTY_EDIT_MEDIA_TIME) {
      emptyMovieTicks += entry.segmentDuration;
      continue;
    }
    return { emptyDelayTicks: movieToTrackTicks(emptyMovieTicks, movieTimescale, trackTimescale), mediaStartTicks: entry.mediaTime };
  }
  // No media edit at all: the media starts at its own time zero, after any empty edits.
  return { emptyDelayTicks: movieToTrackTicks(emptyMovieTicks, movieTimescale, trackTimescale), mediaStartTicks: 0 };
}

function movieToTrackTicks(movieTicks: number, movieTimescale: number, trackTimescale: number): number {
  if (movieTicks === 0) return 0;
  return Math.round((movieTicks / movieTimescale) * trackTimescale);
}

export const NO_EDIT: EditShift = { emptyDelayTicks: 0, mediaStartTicks: 0 };
