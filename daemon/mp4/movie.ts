// The moov box → Movie: movie header, one video and one audio track (see track-choice.ts); refuses empty movies; a fragmented file's samples join from its moofs.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import { childBoxes, requireChild, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';
import { checkSamplesDisjoint } from './sample-overlap.js';
import { handlerType, parseAudioTrack, parseVideoTrack, type MovieContext } from './track.js';
import { chooseTrack } from './track-choice.js';
import { keptFromSec } from './edit-window.js';
import type { AudioTrack, Movie, VideoTrack } from './types.js';

/** mvhd (§8.2.2.2): timescale and duration after the creation and modification times. */
function movieHeader(moov: Box): { timescale: number; durationTicks: number } {
  const mvhd = requireChild(moov, FourCC.mvhd);
  const cursor = new ByteCursor(mvhd.payload, mvhd.path);
  const { version } = cursor.fullBoxHeader();
  cursor.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const timescale = cursor.u32(); // timescale
  const durationTicks = version === 1 ? cursor.u64() : cursor.u32(); // duration
  if (timescale === 0) throw mp4Error('MP4_BAD_BOX', `${mvhd.path}: timescale is 0`, { where: mvhd.path });
  return { timescale, durationTicks };
}

export function parseMovie(moov: Box, movieCtx: MovieContext): Movie {
  const { timescale, durationTicks } = movieHeader(moov);
  const traks = childBoxes(moov).filter((box) => box.type === FourCC.trak);
  const handlers = traks.map(handlerType);
  const videoChoice = chooseTrack('video', traks.filter((_, k) => handlers[k] === FourCC.vide));
  const audioChoice = chooseTrack('audio', traks.filter((_, k) => handlers[k] === FourCC.soun));
  const ctx = { ...movieCtx, movieTimescale: timescale };
  const video = videoChoice ? parseVideoTrack(videoChoice.trak, { ...ctx, samplesBefore: 0 }) : undefined;
  const videoFromSec = video ? keptFromSec(video.samples, video.edit, video.timescale) : undefined;
  const audio = audioChoice ? parseAudioTrack(audioChoice.trak, { ...ctx, samplesBefore: video?.samples.count ?? 0, videoFromSec }) : undefined;
  const sawTrack = video !== undefined || audio !== undefined;
  const notes = [videoChoice?.note, audioChoice?.note, ...editNotes(video, audio)].filter((note): note is string => note !== undefined);
  if (!sawTrack) throw mp4Error('MP4_NO_TRACKS', 'the movie has no video or audio track', {});
  const movie = dropEmptyTracks({ timescale, durationTicks, video, audio, fileSizeBytes: movieCtx.fileSizeBytes, ...(notes.length > 0 ? { notes } : {}) });
  checkSamplesDisjoint([movie.video, movie.audio].flatMap((track) => (track ? [{ where: `moov/trak (${track.kind})`, samples: track.samples }] : [])));
  return movie;
}

/** A track without samples is left out; a movie with no samples at all cannot become a segment. */
function dropEmptyTracks(movie: Movie): Movie {
  const video = movie.video && movie.video.samples.count > 0 ? movie.video : undefined;
  const audio = movie.audio && movie.audio.samples.count > 0 ? movie.audio : undefined;
  if (!video && !audio) throw mp4Error('MP4_EMPTY', 'the movie has tracks but no samples', {});
  return { ...movie, video, audio };
}

/** Edits a track's list holds beyond the ones applied (see reduceEditList). */
function editNotes(...tracks: (VideoTrack | AudioTrack | undefined)[]): string[] {
  return tracks.flatMap((track) =>
    track?.edit.ignoredEdits ? [`${track.kind}: track ${track.id}'s edit list has ${track.edit.ignoredEdits} edit(s) after its first media edit that are not applied; the presentation ends where that edit does`] : [],
  );
}
