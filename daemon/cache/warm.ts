// Packaging ahead of demand: a rendition's playlist and every segment, through the same filler as misses.

import { promises as fs } from 'node:fs';
import { CasterpakError } from '../errors.js';
import { cmafAudioTrack, cmafFile, type CmafTrack } from '../layout/cmaf-files.js';
import type { RenditionFile } from '../layout/rendition-files.js';
import { subtitleFile, type SubtitleFile } from '../layout/subtitle-files.js';
import { renditionRequest } from '../layout/requests.js';
import type { TsTrack } from '../layout/track-files.js';
import type { Store } from '../store/store.js';
import type { FillResult } from './fill-result.js';
import type { CacheFiller } from './filler.js';

export interface WarmDeps {
  readonly filler: CacheFiller;
  readonly store: Store;
  readonly urlPrefix: string;
  /** Segments filled at once; the filler's own bound (max_concurrent_packaging) still applies. */
  readonly concurrency: number;
  /** Also the CMAF files: media playlists, init segments and every media segment of each track (builtin packager). */
  readonly cmaf?: boolean;
  /** Also the subtitle tracks the rendition's master lists: each WebVTT playlist, its segments and the whole-track file (builtin packager). */
  readonly subtitles?: boolean;
}

export interface WarmedRendition {
  readonly sourceRel: string;
  /** Files the rendition has in the cache now: its playlist and every segment. */
  readonly files: number;
  /** Of those, files this run packaged (0 when everything was cached already), and their on-disk bytes. */
  readonly packaged: number;
  readonly packagedBytes: number;
}

/** Called after each file: `done` of `total` files of this rendition (total is known once the playlist is). */
export type WarmProgress = (done: number, total: number) => void;

async function segmentCountOf(store: Store, sourceRel: string, playlist: FillResult): Promise<number> {
  const count = store.packageBySource(sourceRel)?.segment_count;
  if (count != null) return count;
  // A package recorded before its count was known: the playlist on disk names every segment.
  const text = await fs.readFile(playlist.absPath, 'utf8');
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
}

/**
 * Runs `task(i)` for i in 0..count-1 with at most `concurrency` running; the first failure stops new tasks
 * and is rethrown once the running ones have settled.
 */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < count) {
      const i = next;
      next += 1;
      try {
        await task(i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  if (failure !== undefined) throw failure;
}

/**
 * Warms one rendition. For whole-rendition packagers the playlist miss packages everything and the segment
 * checks find the files in place; for segment packagers each missing segment is muxed on its own.
 */
export async function warmRendition(deps: WarmDeps, sourceRel: string, onProgress: WarmProgress = () => {}): Promise<WarmedRendition> {
  const { filler, store, urlPrefix } = deps;
  let packaged = 0;
  let packagedBytes = 0;
  // What the packaging runs of this rendition published, whichever request started them.
  const stop = filler.onPackaged((run) => {
    if (run.sourceRel !== sourceRel || run.outcome !== 'ok') return;
    packaged += run.files;
    packagedBytes += run.bytes;
  });
  try {
    const playlist = await filler.fill(renditionRequest(urlPrefix, sourceRel, { kind: 'media-playlist' }));
    const segments = await segmentCountOf(store, sourceRel, playlist);
    if (segments === 0) throw new CasterpakError('MP4_EMPTY', `${sourceRel} has no segments`, { sourceRel });
    let done = 1;
    onProgress(done, segments + 1);
    await pool(segments, deps.concurrency, async (i) => {
      await filler.fill(renditionRequest(urlPrefix, sourceRel, { kind: 'segment', n: i + 1 }));
      done += 1;
      onProgress(done, segments + 1);
    });
    const audioTracks = await filler.audioTrackCount(sourceRel);
    const trackFiles = audioTracks > 1 ? await warmTracks(deps, sourceRel, segments, audioTracks) : 0;
    const cmafFiles = deps.cmaf ? await warmCmaf(deps, sourceRel, audioTracks) : 0;
    const subtitleFiles = deps.subtitles ? await warmSubtitles(deps, sourceRel) : 0;
    return { sourceRel, files: segments + 1 + trackFiles + cmafFiles + subtitleFiles, packaged, packagedBytes };
  } finally {
    stop();
  }
}

/** Fills `file`; false when the rendition has no such track (or its packager makes no files of one track alone). */
async function fillIfPresent(deps: WarmDeps, sourceRel: string, file: RenditionFile): Promise<boolean> {
  try {
    await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, file));
    return true;
  } catch (err) {
    if (err instanceof CasterpakError && err.code === 'NOT_FOUND') return false;
    throw err;
  }
}

/**
 * A rendition with several audio tracks: what its master points at, the video alone (`index_0_v`) and each
 * audio track alone (`index_<k>_a`), playlists and every segment. Returns how many files that is.
 */
async function warmTracks(deps: WarmDeps, sourceRel: string, segments: number, audioTracks: number): Promise<number> {
  const tracks: TsTrack[] = [{ type: 'video' }, ...Array.from({ length: audioTracks }, (_, i): TsTrack => ({ type: 'audio', k: i + 1 }))];
  let files = 0;
  for (const track of tracks) {
    if (!(await fillIfPresent(deps, sourceRel, { kind: 'track-playlist', track }))) continue;
    await pool(segments, deps.concurrency, async (i) => {
      await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind: 'track-segment', track, n: i + 1 }));
    });
    files += 1 + segments;
  }
  return files;
}

/** A CMAF media playlist, or undefined when the rendition has no such track. */
async function cmafPlaylist(deps: WarmDeps, sourceRel: string, track: CmafTrack): Promise<string | undefined> {
  try {
    const filled = await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind: 'cmaf-playlist', track }));
    return await fs.readFile(filled.absPath, 'utf8');
  } catch (err) {
    if (err instanceof CasterpakError && err.code === 'NOT_FOUND' && err.message.includes(`no ${track} track`)) return undefined;
    throw err;
  }
}

/** The CMAF master and MPD, each track's CMAF playlist, init segment and every media segment it lists; returns how many files that is. */
async function warmCmaf(deps: WarmDeps, sourceRel: string, audioTracks: number): Promise<number> {
  for (const kind of ['cmaf-master', 'cmaf-mpd'] as const) await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind }));
  let files = 2;
  // With several audio tracks, each as `audio<k>` too: what the CMAF master and the MPD point at.
  const tracks: CmafTrack[] = ['video', 'audio', ...(audioTracks > 1 ? Array.from({ length: audioTracks }, (_, i) => cmafAudioTrack(i + 1)) : [])];
  for (const track of tracks) {
    const playlist = await cmafPlaylist(deps, sourceRel, track);
    if (playlist === undefined) continue;
    const names = playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    const segments = names.map((line) => cmafFile(line.slice(line.lastIndexOf('/') + 1))).filter((file) => file?.kind === 'cmaf-segment');
    await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind: 'cmaf-init', track }));
    await pool(segments.length, deps.concurrency, async (i) => {
      await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, segments[i]!));
    });
    files += 2 + segments.length;
  }
  return files;
}

/** The file names a playlist lists (the last path segment of each URI line). */
function listedNames(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.slice(line.lastIndexOf('/') + 1));
}

/** The keys of the subtitle playlists a master lists in its `EXT-X-MEDIA:TYPE=SUBTITLES` lines, read by their names. */
function subtitleKeysOf(master: string): string[] {
  const uris = [...master.matchAll(/^#EXT-X-MEDIA:TYPE=SUBTITLES,.*URI="([^"]*)"$/gm)].map((m) => m[1]);
  const files = uris.map((uri) => subtitleFile(uri.slice(uri.lastIndexOf('/') + 1)));
  return files.flatMap((file) => (file?.kind === 'subs-playlist' ? [file.key] : []));
}

/** The master (which finds the tracks), then each subtitle track it lists: playlist, segments, whole file; returns how many files that is. */
async function warmSubtitles(deps: WarmDeps, sourceRel: string): Promise<number> {
  const master = await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind: 'master' }));
  const text = master.uncachedText ?? (await fs.readFile(master.absPath, 'utf8'));
  const keys = subtitleKeysOf(text);
  let files = 1;
  for (const key of keys) {
    const playlist = await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind: 'subs-playlist', key }));
    const segments = listedNames(await fs.readFile(playlist.absPath, 'utf8')).map(subtitleFile).filter((f): f is SubtitleFile => f?.kind === 'subs-segment');
    await pool(segments.length, deps.concurrency, async (i) => {
      await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, segments[i]));
    });
    await deps.filler.fill(renditionRequest(deps.urlPrefix, sourceRel, { kind: 'subs-whole', key }));
    files += 2 + segments.length;
  }
  return files;
}
