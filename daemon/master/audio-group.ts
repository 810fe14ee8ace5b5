// A variant that plays with an audio group: its EXT-X-MEDIA lines and the bit rates and codecs of video plus audio (RFC 8216 §4.3.4.2) (pure).

import { audioMediaLine, type AudioLabel } from './audio-labels.js';
import type { VariantFacts } from './variant.js';

/** One audio rendition of a group: how it is announced, where its playlist is, what it costs. */
export interface GroupedAudio {
  readonly label: AudioLabel;
  readonly uri: string;
  readonly facts: VariantFacts;
}

export interface AudioGroup {
  readonly id: string;
  readonly renditions: readonly GroupedAudio[];
}

export function audioGroupLines(group: AudioGroup): string[] {
  return group.renditions.map((rendition) => audioMediaLine(group.id, rendition.label, rendition.uri));
}

/**
 * The variant's facts when it plays its video with any one rendition of the group. RFC 8216 §4.3.4.2:
 * BANDWIDTH is the largest sum of peak segment bit rates of any playable combination of renditions, and
 * AVERAGE-BANDWIDTH the largest sum of average segment bit rates: the video's plus the group's largest.
 * CODECS lists the video's codec and every audio codec of the group. `mediaBps` (what `?b=` compares)
 * counts the default audio, what the rendition's own file carries.
 */
export function withAudioGroup(video: VariantFacts, group: AudioGroup): VariantFacts {
  const audio = group.renditions;
  const peak = Math.max(0, ...audio.map((a) => a.facts.bandwidthBps));
  const average = Math.max(0, ...audio.map((a) => a.facts.averageBandwidthBps));
  const chosen = audio.find((a) => a.label.isDefault) ?? audio[0];
  const codecs = [...new Set([video.codecs, ...audio.map((a) => a.facts.codecs)].filter((c) => c !== ''))].join(',');
  return {
    ...video,
    bandwidthBps: video.bandwidthBps + peak,
    averageBandwidthBps: video.averageBandwidthBps + average,
    mediaBps: video.mediaBps + (chosen?.facts.mediaBps ?? 0),
    codecs,
  };
}
