// Which of a movie's tracks of one kind is packaged: the one its tkhd marks as enabled and in the movie, and why (pure).

import { ByteCursor } from './bytes.js';
import { requireChild, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';

/** tkhd flags (ISO/IEC 14496-12 §8.3.2.3): track_enabled, track_in_movie. */
const TRACK_ENABLED = 0x1;
const TRACK_IN_MOVIE = 0x2;

export interface TrackHeader {
  readonly id: number;
  readonly flags: number;
  /** 0: no group; tracks sharing a non-zero group are alternatives, one of them enabled. */
  readonly alternateGroup: number;
}

/** tkhd (§8.3.2.2): flags; track_ID after the times; alternate_group after duration, reserved and layer. */
export function trackHeader(trak: Box): TrackHeader {
  const tkhd = requireChild(trak, FourCC.tkhd);
  const cursor = new ByteCursor(tkhd.payload, tkhd.path);
  const { version, flags } = cursor.fullBoxHeader();
  cursor.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const id = cursor.u32(); // track_ID
  cursor.skip(4 + (version === 1 ? 8 : 4) + 8 + 2); // reserved, duration, reserved[2], layer
  const alternateGroup = cursor.u16();
  return { id, flags, alternateGroup };
}

export interface TrackChoice {
  readonly trak: Box;
  /** Why this track and not another, when the movie had a choice (for the log). */
  readonly note?: string;
}

function rank(header: TrackHeader): number {
  return (header.flags & TRACK_ENABLED ? 2 : 0) + (header.flags & TRACK_IN_MOVIE ? 1 : 0);
}

/**
 * The enabled track that is part of the presentation wins (a player shows that one: ffmpeg marks
 * the track with the default disposition so, QuickTime the member of an alternate group that plays);
 * among equals the first in the file. With a single candidate there is nothing to say.
 */
export function chooseTrack(kind: 'video' | 'audio', traks: readonly Box[], rest: 'left out' | 'default' = 'left out'): TrackChoice | undefined {
  if (traks.length === 0) return undefined;
  if (traks.length === 1) return { trak: traks[0] };
  const headers = traks.map(trackHeader);
  let best = 0;
  headers.forEach((header, k) => {
    if (rank(header) > rank(headers[best])) best = k;
  });
  const chosen = headers[best];
  const others = headers.filter((_, k) => k !== best).map((h) => `${h.id}${h.flags & TRACK_ENABLED ? '' : ' (disabled)'}`);
  const why = rank(chosen) === 0 ? 'none is enabled, so the first' : best === 0 ? 'the first enabled one' : 'the one marked enabled, ahead of earlier disabled ones';
  const group = chosen.alternateGroup !== 0 ? `, alternate group ${chosen.alternateGroup}` : '';
  const tail = rest === 'default' ? `the default; the others are renditions of their own: ${others.join(', ')}` : `not packaged: ${others.join(', ')}`;
  return { trak: traks[best], note: `${kind}: track ${chosen.id}, of ${traks.length} ${kind} tracks (${why}${group}); ${tail}` };
}
