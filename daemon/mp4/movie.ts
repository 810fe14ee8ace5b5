// The moov box → Movie: movie header, one video and one audio track (see track-choice.ts); refuses empty movies; a fragmented file's samples join from its moofs.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import { childBoxes, requireChild, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';
import { checkSamplesDisjoint } from './sample-overlap.js';
import { handlerType, parseAudioTrack, parseVideoTrack, type MovieContext } from './track.js';
import { chooseTrack, trackHeader } from './track-choice.js';
import { keptFromSec } from './edit-window.js';
import { trackLabels } from './track-labels.js';
import type { AudioTrack, Movie, VideoTrack } from './types.js';
import { isCasterpakError } from '../errors.js';

/** Audio renditions one source offers at most; tracks after these are left out (and the log says so). */
export const MAX_AUDIO_TRACKS = 16;

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
  const audioTraks = traks.filter((_, k) => handlers[k] === FourCC.soun);
  const audioChoice = chooseTrack('audio', audioTraks, 'default');
  const ctx = { ...movieCtx, movieTimescale: timescale };
  const video = videoChoice ? parseVideoTrack(videoChoice.trak, { ...ctx, samplesBefore: 0 }) : undefined;
  const videoFromSec = video ? keptFromSec(video.samples, video.edit, video.timescale) : undefined;
  const read = readAudioTracks(audioTraks, audioChoice?.trak, { ...ctx, samplesBefore: video?.samples.count ?? 0, videoFromSec });
  const audio = read.audio;
  const sawTrack = video !== undefined || audio !== undefined;
  const notes = [videoChoice?.note, audioChoice?.note, ...read.notes, ...editNotes(video, ...read.tracks)].filter((note): note is string => note !== undefined);
  if (!sawTrack) throw mp4Error('MP4_NO_TRACKS', 'the movie has no video or audio track', {});
  const audioTracks = read.tracks.length > 1 ? read.tracks : undefined;
  const movie = dropEmptyTracks({ timescale, durationTicks, video, audio, audioTracks, fileSizeBytes: movieCtx.fileSizeBytes, ...(notes.length > 0 ? { notes } : {}) });
  const tracks = [movie.video, ...(movie.audioTracks ?? [movie.audio])];
  checkSamplesDisjoint(tracks.flatMap((track) => (track ? [{ where: `moov/trak (${track.kind} ${track.id})`, samples: track.samples }] : [])));
  if (!movie.audioTracks) delete (movie as { audioTracks?: unknown }).audioTracks;
  return movie;
}

interface ReadAudio {
  readonly audio?: AudioTrack;
  /** Every audio track read, in file order (the default among them). */
  readonly tracks: AudioTrack[];
  readonly notes: string[];
}

/**
 * Every audio track becomes a rendition: the chosen one (the default) must read, any other that does
 * not (a codec we do not package) is left out with a note, as are tracks past MAX_AUDIO_TRACKS.
 */
function readAudioTracks(traks: readonly Box[], chosen: Box | undefined, ctx: Parameters<typeof parseAudioTrack>[1]): ReadAudio {
  const tracks: AudioTrack[] = [];
  const notes: string[] = [];
  let audio: AudioTrack | undefined;
  let samplesBefore = ctx.samplesBefore;
  for (const trak of traks) {
    const isChosen = trak === chosen;
    if (!isChosen && tracks.length >= MAX_AUDIO_TRACKS - (audio ? 0 : 1)) {
      notes.push(`audio: track ${trackHeader(trak).id} left out: at most ${MAX_AUDIO_TRACKS} audio tracks are packaged`);
      continue;
    }
    try {
      const track: AudioTrack = { ...parseAudioTrack(trak, { ...ctx, samplesBefore }), ...trackLabels(trak) };
      samplesBefore += track.samples.count;
      tracks.push(track);
      if (isChosen) audio = track;
    } catch (err) {
      if (isChosen || !isCasterpakError(err) || err.status !== 422) throw err;
      notes.push(`audio: track ${trackHeader(trak).id} left out: ${err.message}`);
    }
  }
  return { audio, tracks, notes };
}

/** A track without samples is left out; a movie with no samples at all cannot become a segment. */
function dropEmptyTracks(movie: Movie): Movie {
  const video = movie.video && movie.video.samples.count > 0 ? movie.video : undefined;
  const others = (movie.audioTracks ?? []).filter((track) => track.samples.count > 0);
  const audio = movie.audio && movie.audio.samples.count > 0 ? movie.audio : others[0];
  if (!video && !audio) throw mp4Error('MP4_EMPTY', 'the movie has tracks but no samples', {});
  return { ...movie, video, audio, audioTracks: others.length > 1 ? others : undefined };
}

/** Edits a track's list holds beyond the ones applied (see reduceEditList). */
function editNotes(...tracks: (VideoTrack | AudioTrack | undefined)[]): string[] {
  return tracks.flatMap((track) =>
    track?.edit.ignoredEdits ? [`${track.kind}: track ${track.id}'s edit list has ${track.edit.ignoredEdits} edit(s) after its first media edit that are not applied; the presentation ends where that edit does`] : [],
  );
}
