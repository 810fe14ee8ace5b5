// A CMAF master's variant: the rendition's own tracks, or its video with the audio group it plays with (see master-audio.ts).

import { withCmafAudioGroup } from '../master/cmaf-audio-group.js';
import { describeCmafRendition, type CmafGroupAudio, type CmafRendition } from '../master/cmaf-rendition.js';
import { selectCmafTrack } from '../plan/track-selection.js';
import { CasterpakError } from '../errors.js';
import { groupId, type AudioMember, type AudioPlan } from './master-audio.js';

export function cmafVariant<M extends AudioMember>(audio: AudioPlan<M>, i: number, baseOf: (member: M) => string): CmafRendition {
  const member = audio.variants[i];
  const own = describeCmafRendition(baseOf(member), member.movie, member.plan);
  const g = audio.groupOf[i];
  if (g === undefined) return own;
  const members = audio.groups[g].map((entry): CmafGroupAudio => {
    const view = selectCmafTrack(entry.member.movie, entry.member.plan, entry.cmafTrack);
    const baseUri = baseOf(entry.member);
    const facts = view ? describeCmafRendition(baseUri, view.movie, view.plan).audio : undefined;
    if (!facts) throw new CasterpakError('PACKAGER_FAILED', `${entry.member.src.relPath} has no ${entry.cmafTrack} track`, { track: entry.cmafTrack });
    return { facts, track: entry.cmafTrack, baseUri, label: entry.label };
  });
  return withCmafAudioGroup(own, { id: groupId(audio.groups, g), members });
}
