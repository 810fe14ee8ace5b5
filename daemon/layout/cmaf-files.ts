// The names of a rendition's CMAF files, in a `cmaf/` folder beside its MPEG-TS files (pure).
//
// One set of fragmented MP4 segments, one track per file, serves both presentations:
//   cmaf/master.m3u8   HLS master (the video variant, the audio as an EXT-X-MEDIA group)
//   cmaf/manifest.mpd  DASH MPD (static, SegmentTemplate with SegmentTimeline)
//   cmaf/video.m3u8, cmaf/audio.m3u8           fMP4 media playlists
//   cmaf/video_init.mp4, cmaf/audio_init.mp4   init segments
//   cmaf/video_<N>.m4s, cmaf/audio_<N>.m4s     media segment N, numbered from 1 as the TS segments are
// A rendition with several audio tracks also has audio<k>.m3u8, audio<k>_init.mp4 and audio<k>_<N>.m4s
// for its audio track k (1-based, the file's order of audio tracks); `audio` is its default track.

/** The folder below a rendition's (or a rendition set's) cache folder that holds its CMAF files. */
export const CMAF_DIR = 'cmaf';

export const CMAF_MASTER_NAME = 'master.m3u8';

export const MPD_NAME = 'manifest.mpd';

export type CmafTrack = 'video' | 'audio' | `audio${number}`;

/** The CMAF track name of audio track k (1-based) of a rendition with several. */
export function cmafAudioTrack(k: number): CmafTrack {
  return `audio${k}`;
}

/** `audio3` → 3; undefined for `video` and for `audio`, the default track. */
export function audioIndexOf(track: CmafTrack): number | undefined {
  return track.startsWith('audio') && track.length > 5 ? Number(track.slice(5)) : undefined;
}

export type CmafFile =
  | { kind: 'cmaf-master' }
  | { kind: 'cmaf-mpd' }
  | { kind: 'cmaf-playlist'; track: CmafTrack }
  | { kind: 'cmaf-init'; track: CmafTrack }
  | { kind: 'cmaf-segment'; track: CmafTrack; n: number };

export function cmafPlaylistName(track: CmafTrack): string {
  return `${track}.m3u8`;
}

export function cmafInitName(track: CmafTrack): string {
  return `${track}_init.mp4`;
}

export function cmafSegmentName(track: CmafTrack, n: number): string {
  return `${track}_${n}.m4s`;
}

/** The DASH SegmentTemplate@media for a track's segments: `$Number$` is the segment number N. */
export function cmafSegmentTemplate(track: CmafTrack): string {
  return `${track}_$Number$.m4s`;
}

/** The name inside `cmaf/`. */
export function cmafFileName(file: CmafFile): string {
  switch (file.kind) {
    case 'cmaf-master':
      return CMAF_MASTER_NAME;
    case 'cmaf-mpd':
      return MPD_NAME;
    case 'cmaf-playlist':
      return cmafPlaylistName(file.track);
    case 'cmaf-init':
      return cmafInitName(file.track);
    case 'cmaf-segment':
      return cmafSegmentName(file.track, file.n);
  }
}

const NAME = /^(video|audio(?:[1-9]\d?)?)(?:\.m3u8|_init\.mp4|_([1-9]\d{0,8})\.m4s)$/;

/** A name inside `cmaf/` → the file it is, or undefined. */
export function cmafFile(name: string): CmafFile | undefined {
  if (name === CMAF_MASTER_NAME) return { kind: 'cmaf-master' };
  if (name === MPD_NAME) return { kind: 'cmaf-mpd' };
  const match = NAME.exec(name);
  if (!match) return undefined;
  const track = match[1] as CmafTrack;
  if (name.endsWith('.m3u8')) return { kind: 'cmaf-playlist', track };
  if (name.endsWith('_init.mp4')) return { kind: 'cmaf-init', track };
  return { kind: 'cmaf-segment', track, n: Number(match[2]) };
}

export function isCmafFile(file: { kind: string }): file is CmafFile {
  return file.kind.startsWith('cmaf-');
}
