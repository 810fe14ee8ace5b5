// The MPEG-TS files of one track alone (`index_0_v`, `index_<k>_a`): made on demand by the builtin packager only.

import { CasterpakError } from '../errors.js';
import type { TsTrack } from '../layout/track-files.js';
import type { Packager, SegmentPackager } from '../packagers/packager.js';
import type { OpenSource } from '../source/open-source.js';

/** A whole-rendition packager (ffmpeg, mp42hls) makes the muxed files only; these URLs are refused with this reason. */
export function requireTrackPackager(packager: Packager): SegmentPackager {
  if (packager.granularity !== 'segment') {
    throw new CasterpakError('NOT_FOUND', `files of one track alone (index_0_v, index_<k>_a) need packager = "builtin"; this daemon runs ${packager.name}`, { packager: packager.name });
  }
  return packager;
}

/** NOT_FOUND unless the rendition has the track: a playlist is never written for a track that is not there. */
export async function requireTrack(packager: SegmentPackager, src: OpenSource, track: TsTrack): Promise<void> {
  const { hasVideo, audioCount } = await packager.tracks(src);
  if (track.type === 'video' ? !hasVideo : track.k > audioCount) {
    const what = track.type === 'video' ? 'no video' : `${audioCount} audio track(s), not ${track.k}`;
    throw new CasterpakError('NOT_FOUND', `the rendition has ${what}`, { track });
  }
}
