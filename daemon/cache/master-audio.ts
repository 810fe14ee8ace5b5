// Which renditions of a master play with audio groups, and the groups themselves, for the MPEG-TS and CMAF masters.
//
// Two sources of audio renditions:
//   - a rendition with video and several audio tracks: its variant plays its video alone (`index_0_v`,
//     `cmaf/video`) with a group of its audio tracks (`index_<k>_a`, `cmaf/audio<k>`);
//   - a rendition set that mixes renditions with video and audio-only ones (`clip_video_720.mp4`,
//     `clip_audio_en.m4a`): the audio-only ones form one group that every video variant plays with.

import { audioTracksOf, type AudioTrack, type Movie } from '../mp4/types.js';
import { audioLabels, type AudioLabel } from '../master/audio-labels.js';
import { languageOfFileName } from '../layout/audio-names.js';
import { cmafAudioTrack, type CmafTrack } from '../layout/cmaf-files.js';
import type { TsTrack } from '../layout/track-files.js';
import type { SegmentPlan } from '../plan/types.js';
import type { SourceFile } from '../source/resolve.js';

export interface AudioMember {
  readonly src: SourceFile;
  readonly movie: Movie;
  readonly plan: SegmentPlan;
}

/** One audio rendition of a group: the member it comes from, which of its files, and its label. */
export interface GroupTrack<M extends AudioMember> {
  readonly member: M;
  /** The MPEG-TS selection: undefined for the member's own `index_0_av` (an audio-only file with one track). */
  readonly tsTrack?: TsTrack;
  readonly cmafTrack: CmafTrack;
  readonly label: AudioLabel;
}

export interface AudioPlan<M extends AudioMember> {
  /** The members that are variants, in the given order. */
  readonly variants: M[];
  /** For each variant, the group it plays with (its index in `groups`), or undefined. */
  readonly groupOf: (number | undefined)[];
  readonly groups: GroupTrack<M>[][];
}

function fileName(src: SourceFile): string {
  return src.relPath.slice(src.relPath.lastIndexOf('/') + 1);
}

/** Every audio track of `member`, labelled; `firstIsDefault` lets only the set's first member carry the default. */
function tracksOf<M extends AudioMember>(member: M, ownFiles: boolean, defaultAllowed: boolean): Array<Omit<GroupTrack<M>, 'label'> & { track: AudioTrack; isDefault: boolean }> {
  const tracks = audioTracksOf(member.movie);
  return tracks.map((track, index) => {
    const k = index + 1;
    const alone = !ownFiles && tracks.length === 1;
    return {
      member,
      track,
      isDefault: defaultAllowed && track.id === member.movie.audio?.id,
      ...(alone ? {} : { tsTrack: { type: 'audio', k } as TsTrack }),
      cmafTrack: alone ? 'audio' : cmafAudioTrack(k),
    };
  });
}

function labelled<M extends AudioMember>(tracks: ReturnType<typeof tracksOf<M>>): GroupTrack<M>[] {
  const labels = audioLabels(tracks.map((t) => ({ track: t.track, isDefault: t.isDefault, nameLanguage: languageOfFileName(fileName(t.member.src)) })));
  return tracks.map(({ track: _track, isDefault: _isDefault, ...rest }, k) => ({ ...rest, label: labels[k] }));
}

/** Splits the members into variants and audio groups (see the file's head). */
export function planAudio<M extends AudioMember>(members: readonly M[]): AudioPlan<M> {
  const withVideo = members.filter((m) => m.movie.video);
  const audioOnly = members.filter((m) => !m.movie.video);
  if (withVideo.length > 0 && audioOnly.length > 0) {
    const group = labelled(audioOnly.flatMap((member, i) => tracksOf(member, false, i === 0)));
    return { variants: withVideo, groupOf: withVideo.map(() => 0), groups: [group] };
  }
  const groups: GroupTrack<M>[][] = [];
  const groupOf = members.map((member) => {
    if (!member.movie.video || !member.movie.audioTracks) return undefined;
    groups.push(labelled(tracksOf(member, true, true)));
    return groups.length - 1;
  });
  return { variants: [...members], groupOf, groups };
}

/** GROUP-ID: `audio` when the master has one group, `audio-<n>` for each rendition's own group of a set. */
export function groupId(groups: readonly unknown[], index: number): string {
  return groups.length === 1 ? 'audio' : `audio-${index + 1}`;
}
