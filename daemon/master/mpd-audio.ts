// Which audio representations of an MPD share an AdaptationSet: one set per language when there are several (pure).

import type { CmafTrack } from '../layout/cmaf-files.js';
import type { AudioLabel } from './audio-labels.js';
import type { CmafRendition, CmafTrackFacts } from './cmaf-rendition.js';

export interface AudioSetPlan {
  readonly sources: Array<{ readonly baseUri: string; readonly facts: CmafTrackFacts; readonly track: CmafTrack }>;
  /** The set's `lang` (BCP 47), when its tracks say. */
  readonly lang?: string;
  /** The NAME its group gives it (the track's name, else its language's name in that language): the set's `Label`. */
  readonly label?: string;
  /** Holds the default audio: `Role` main. */
  readonly main: boolean;
  /** Made from an audio group (several languages), rather than from renditions' own single tracks. */
  readonly labelled: boolean;
}

/** An empty set for the first member of its language: `lang` and `Label` from that member's label. */
function newSet(label: AudioLabel | undefined): { sources: AudioSetPlan['sources']; lang?: string; label?: string; main: boolean; labelled: boolean } {
  return { sources: [], ...(label?.language ? { lang: label.language } : {}), ...(label ? { label: label.name } : {}), main: false, labelled: label !== undefined };
}

/**
 * Renditions with an audio group give one representation per group member (a member several variants
 * share is listed once); others their own audio track. Representations of one language (or of one NAME,
 * without a language) form one AdaptationSet, in the order they first appear: DASH players switch
 * bit rates within a set and languages between sets.
 */
export function audioAdaptationSets(renditions: readonly CmafRendition[]): AudioSetPlan[] {
  const sets = new Map<string, { sources: AudioSetPlan['sources']; lang?: string; label?: string; main: boolean; labelled: boolean }>();
  const seen = new Set<string>();
  for (const rendition of renditions) {
    const members = rendition.audioGroup?.members ?? (rendition.audio ? [{ baseUri: rendition.baseUri, facts: rendition.audio, track: 'audio' as const, label: undefined }] : []);
    for (const member of members) {
      const where = `${member.baseUri}\u0000${member.track}`;
      if (seen.has(where)) continue;
      seen.add(where);
      const key = member.label ? `${member.label.language ?? ''}\u0000${member.label.language ? '' : member.label.name}` : '';
      let set = sets.get(key);
      if (!set) sets.set(key, (set = newSet(member.label)));
      set.sources.push({ baseUri: member.baseUri, facts: member.facts, track: member.track });
      if (member.label?.isDefault) set.main = true;
    }
  }
  return [...sets.values()];
}
