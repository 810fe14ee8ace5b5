// The MPEG-TS files of one track of a rendition: its video alone, or one of its audio tracks (pure).
//
// `index_0_av.m3u8` and `segment<N>_0_av.ts` carry the video with the default audio. A rendition with
// several audio tracks also has, cut at the same instants and numbered the same:
//   index_0_v.m3u8,   segment<N>_0_v.ts     the video alone (what a variant with an audio group plays)
//   index_<k>_a.m3u8, segment<N>_<k>_a.ts   audio track k alone, k from 1 in the file's order of audio tracks
// `_v` and `_a` follow Akamai's MSOD names for the video and the audio of a rendition; the number in
// front of them is the audio track here (0 for none), since a rendition's own URL already names its file.

/** A rendition's video alone, or its audio track k (1-based, the file's order of audio tracks). */
export type TsTrack = { readonly type: 'video' } | { readonly type: 'audio'; readonly k: number };

export type TrackFile =
  | { readonly kind: 'track-playlist'; readonly track: TsTrack }
  | { readonly kind: 'track-segment'; readonly track: TsTrack; readonly n: number };

function suffix(track: TsTrack): string {
  return track.type === 'video' ? '0_v' : `${track.k}_a`;
}

export function trackPlaylistName(track: TsTrack): string {
  return `index_${suffix(track)}.m3u8`;
}

export function trackSegmentName(track: TsTrack, n: number): string {
  return `segment${n}_${suffix(track)}.ts`;
}

export function trackFileName(file: TrackFile): string {
  return file.kind === 'track-playlist' ? trackPlaylistName(file.track) : trackSegmentName(file.track, file.n);
}

const PLAYLIST = /^index_(?:0_v|([1-9]\d?)_a)\.m3u8$/;
const SEGMENT = /^segment([1-9]\d{0,8})_(?:0_v|([1-9]\d?)_a)\.ts$/;

function trackOf(k: string | undefined): TsTrack {
  return k === undefined ? { type: 'video' } : { type: 'audio', k: Number(k) };
}

/** A file name → the track file it is, or undefined. */
export function trackFile(name: string): TrackFile | undefined {
  const playlist = PLAYLIST.exec(name);
  if (playlist) return { kind: 'track-playlist', track: trackOf(playlist[1]) };
  const segment = SEGMENT.exec(name);
  return segment ? { kind: 'track-segment', track: trackOf(segment[2]), n: Number(segment[1]) } : undefined;
}

export function isTrackFile(file: { kind: string }): file is TrackFile {
  return file.kind === 'track-playlist' || file.kind === 'track-segment';
}
