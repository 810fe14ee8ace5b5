// An Akamai-style `.csmil` path segment → the rendition file names it stands for (pure).

import { CasterpakError } from '../errors.js';

/** The ending that marks a rendition set: `clip_,360,540,720,p.mp4.csmil`. */
export const CSMIL_SUFFIX = '.csmil';

/** A set names at most this many renditions: each costs a moov read when its master is built. */
export const MAX_CSMIL_RENDITIONS = 32;

export interface CsmilSet {
  /** Text before the first comma, shared by every rendition name (may be empty). */
  readonly prefix: string;
  /** Text after the last comma, shared by every rendition name; ends with the source extension. */
  readonly suffix: string;
  /** The entries between the commas, duplicates removed, in URL order. */
  readonly entries: readonly string[];
  /** `prefix + entry + suffix` for each entry: the rendition file names, siblings of the csmil. */
  readonly fileNames: readonly string[];
}

/**
 * Expands one decoded path segment ending in `.csmil`. The rule: strip `.csmil`, split the rest at
 * every comma; the first piece is the prefix, the last the suffix, the ones between are entries,
 * and rendition k is `prefix + entry_k + suffix`. So `clip_,360,540,720,p.mp4.csmil` names
 * clip_360p.mp4, clip_540p.mp4 and clip_720p.mp4, and `,lo,hi,.mp4.csmil` names lo.mp4 and hi.mp4.
 *
 * Returns undefined when the segment is not a csmil set at all (no `.csmil` ending, fewer than
 * three pieces, or a suffix without an accepted extension, unless the suffix is empty and every
 * entry ends in one): the caller answers 404 as for any
 * other unknown shape. Throws BAD_PATH (400) for a set that is recognisably a csmil but unusable:
 * an empty entry (`a,,b` names `prefix + suffix`, almost always a typo, so it is refused rather than
 * guessed at) or more than MAX_CSMIL_RENDITIONS entries.
 */
export function parseCsmil(segment: string, hasSourceExtension: (name: string) => boolean): CsmilSet | undefined {
  if (!segment.endsWith(CSMIL_SUFFIX)) return undefined;
  const pieces = segment.slice(0, -CSMIL_SUFFIX.length).split(',');
  if (pieces.length < 3) return undefined;
  const prefix = pieces[0];
  const suffix = pieces[pieces.length - 1];
  const raw = pieces.slice(1, -1);
  // An empty suffix lets entries carry their own extensions, to mix video and audio-only files:
  // `clip_,video_720.mp4,audio_en.m4a,.csmil`.
  const ownExtensions = suffix === '' && raw.every((entry) => hasSourceExtension(`${prefix}${entry}`));
  if (!hasSourceExtension(`x${suffix}`) && !ownExtensions) return undefined;
  if (raw.some((entry) => entry === '')) {
    throw new CasterpakError('BAD_PATH', 'empty entry in a .csmil rendition set', { segment });
  }
  const entries = [...new Set(raw)];
  if (entries.length > MAX_CSMIL_RENDITIONS) {
    throw new CasterpakError('BAD_PATH', `a .csmil set names more than ${MAX_CSMIL_RENDITIONS} renditions`, { segment, entries: entries.length });
  }
  return { prefix, suffix, entries, fileNames: entries.map((entry) => `${prefix}${entry}${suffix}`) };
}
