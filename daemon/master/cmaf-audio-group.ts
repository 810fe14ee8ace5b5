// A CMAF variant that plays with a group of audio renditions: the group's tracks, its EXT-X-MEDIA lines, the variant's bit rates (pure).

import { cmafPlaylistName } from '../layout/cmaf-files.js';
import { audioMediaLine } from './audio-labels.js';
import { bitrates, type Bitrates } from './bitrate.js';
import type { CmafAudioGroup, CmafRendition, CmafTrackFacts } from './cmaf-rendition.js';

/** Video segment N plus audio segment N over the video's durations, as a player fetches them. */
function withAudio(video: CmafTrackFacts, audio: CmafTrackFacts): Bitrates {
  const audioBytes = new Map(audio.segments.map((s) => [s.number, s.sizeBytes]));
  return bitrates(video.segments.map((s) => ({ sizeBytes: s.sizeBytes + (audioBytes.get(s.number) ?? 0), durationSec: s.durationTicks / video.track.timescale })));
}

/**
 * The rendition playing its video with any one of the group (its own default audio is one of them, so it
 * leaves `audio`). RFC 8216 §4.3.4.2: BANDWIDTH and AVERAGE-BANDWIDTH are the largest sums over the playable
 * combinations, so each is the largest over the group's renditions.
 */
export function withCmafAudioGroup(rendition: CmafRendition, group: CmafAudioGroup): CmafRendition {
  const { audio: _own, ...rest } = rendition;
  const video = rendition.video;
  if (!video || group.members.length === 0) return rendition;
  const combos = group.members.map((member) => withAudio(video, member.facts));
  const combined = { peakBps: Math.max(...combos.map((c) => c.peakBps)), averageBps: Math.max(...combos.map((c) => c.averageBps)) };
  return { ...rest, combined, audioGroup: group };
}

export function cmafAudioGroupLines(group: CmafAudioGroup): string[] {
  return group.members.map((member) => audioMediaLine(group.id, member.label, member.baseUri + cmafPlaylistName(member.track)));
}

/** The video's codec and every audio codec of the group, once each. */
export function cmafGroupCodecs(rendition: CmafRendition): string {
  const audio = rendition.audioGroup?.members.map((m) => m.facts.codecs) ?? [rendition.audio?.codecs];
  return [...new Set([rendition.video?.codecs, ...audio].filter((c): c is string => !!c))].join(',');
}
