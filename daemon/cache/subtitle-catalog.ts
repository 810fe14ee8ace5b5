// A rendition's text: its subtitle tracks (side files, then the MP4's own text tracks) with their cues, and whether its video carries CEA-608 captions.
//
// Worked out once per identity of the source and its side files, kept in memory, and read by the
// master filler (which tracks to list) and the subtitle filler (the cues of one track). A side file
// that is not UTF-8 or has a broken cue is logged as an error and left out; the rendition still plays.

import type { Config } from '../config.js';
import { isCasterpakError } from '../errors.js';
import { embeddedTrackKey } from '../layout/subtitle-files.js';
import type { Logger } from '../log.js';
import { readMoovBox } from '../mp4/locate-moov.js';
import { readTextTracks, type TextTrack } from '../mp4/text-tracks.js';
import type { Movie, VideoTrack } from '../mp4/types.js';
import { BoundedLru } from '../packagers/builtin/lru.js';
import { sourceKey } from '../packagers/builtin/parsed-sources.js';
import { readRanges } from '../source/ranged-reads.js';
import type { OpenSource, SourceReader } from '../source/source.js';
import { listSideFiles, readSideFile, sideFilesSignature, type SideFile } from '../source/side-files.js';
import { sampleHasCea608, scanCea608 } from '../subtitles/cea608-scan.js';
import type { Cue } from '../subtitles/cues.js';
import { canonicalLanguage, languageName } from '../subtitles/languages.js';
import { sampleCues } from '../subtitles/mp4-text.js';
import { parseSrt } from '../subtitles/srt-read.js';
import { decodeUtf8 } from '../subtitles/text-decode.js';
import { parseWebVtt } from '../subtitles/webvtt-read.js';

export interface SubtitleTrack {
  /** `en` for `clip.en.vtt`, `track3` for the MP4's text track 3: names its files (subs_<key>…). */
  readonly key: string;
  readonly language?: string;
  readonly name: string;
  readonly cues: readonly Cue[];
}

export interface RenditionText {
  readonly tracks: readonly SubtitleTrack[];
  /** The video's first seconds carry CEA-608 captions in SEI (ATSC A/53 GA94). */
  readonly captions: boolean;
}

/** How much of the video is looked at for captions: captioned video carries cc_data in every picture. */
const CAPTION_SCAN_SEC = 5;
const CAPTION_SCAN_MAX_SAMPLES = 300;
const CATALOG_LIMITS = { maxEntries: 256, maxWeightBytes: 64 * 1024 * 1024 };
/**
 * A text track with more samples than this is left out: a three-hour film has a few thousand cues
 * (mov_text adds an empty sample for each gap), and each sample is one read.
 */
const MAX_TEXT_SAMPLES = 50_000;
/** tx3g text is at most 65,535 bytes (its length field); a larger sample is not subtitle text. */
const MAX_TEXT_SAMPLE_BYTES = 70_000;

export interface SubtitleCatalogDeps {
  readonly config: Config;
  readonly log: Logger;
}

function track(key: string, language: string | undefined, title: string | undefined, cues: Cue[]): SubtitleTrack {
  const canonical = language ? canonicalLanguage(language) : undefined;
  const name = title ?? (canonical ? languageName(canonical) : `Subtitles ${key}`);
  return { key, ...(canonical ? { language: canonical } : {}), name, cues };
}

function sideFileCues(bytes: Uint8Array, file: SideFile): Cue[] {
  const text = decodeUtf8(bytes, file.relPath);
  return file.format === 'vtt' ? parseWebVtt(text, file.relPath) : parseSrt(text, file.relPath);
}

/** A text track's cues, its samples read one by one (a subtitle sample is a few dozen bytes). */
async function embeddedCues(reader: SourceReader, text: TextTrack): Promise<Cue[]> {
  const { samples, timescale, edit } = text;
  if (samples.count > MAX_TEXT_SAMPLES) throw new Error(`${samples.count} samples, more than a subtitle track's ${MAX_TEXT_SAMPLES}`);
  if (samples.sizes.some((size) => size > MAX_TEXT_SAMPLE_BYTES)) throw new Error(`a sample larger than ${MAX_TEXT_SAMPLE_BYTES} bytes`);
  const offset = edit.emptyDelayTicks - edit.mediaStartTicks;
  const cues: Cue[] = [];
  for (let i = 0; i < samples.count; i++) {
    const startTicks = samples.dts[i] + samples.cts[i] + offset;
    const span = { startMs: Math.round((startTicks * 1000) / timescale), endMs: Math.round(((startTicks + samples.durations[i]) * 1000) / timescale) };
    const bytes = samples.sizes[i] > 0 ? await reader.read(samples.offsets[i], samples.sizes[i]) : new Uint8Array(0);
    cues.push(...sampleCues(text.format, bytes, span));
  }
  return cues;
}

/** Above this, the first seconds of video are read sample by sample instead of as one span. */
const CAPTION_SPAN_MAX_BYTES = 16 * 1024 * 1024;
/**
 * What is read of each picture of a local file first: its delimiter, parameter sets and SEI come
 * before its slice data and fit in this in what encoders write (x264 and x265 write their settings
 * into the first picture's SEI, a KiB or two).
 */
const CAPTION_HEAD_BYTES = 4096;
/** Each head read alone, on this thread while the budget lasts (see readRanges): a few hundred small preads. */
const CAPTION_HEAD_READ = { maxGapBytes: 0, maxSpanBytes: CAPTION_HEAD_BYTES, concurrency: 4, syncBudgetMs: 4 };

/** A source reader that, for a local file, can also read on this thread. */
type CaptionReader = SourceReader & { readSync?(offset: number, length: number, target?: Uint8Array): Uint8Array };

/** The pictures looked at: those of the first CAPTION_SCAN_SEC, at most CAPTION_SCAN_MAX_SAMPLES. */
function captionScanCount(video: VideoTrack): number {
  const { samples, timescale } = video;
  const untilTicks = samples.dts[0] + CAPTION_SCAN_SEC * timescale;
  let count = 0;
  while (count < Math.min(samples.count, CAPTION_SCAN_MAX_SAMPLES) && samples.dts[count] < untilTicks) count++;
  return count;
}

/**
 * Pictures `indexes` read whole, looking for GA94 cc_data: as one span when it is small (one ranged
 * request from a remote origin instead of one per picture), else sample by sample.
 */
async function wholeSamplesHaveCaptions(reader: SourceReader, video: VideoTrack, indexes: readonly number[]): Promise<boolean> {
  const { samples } = video;
  let spanStart = Infinity;
  let spanEnd = 0;
  for (const i of indexes) {
    spanStart = Math.min(spanStart, samples.offsets[i]);
    spanEnd = Math.max(spanEnd, samples.offsets[i] + samples.sizes[i]);
  }
  const span = indexes.length > 0 && spanEnd - spanStart <= CAPTION_SPAN_MAX_BYTES ? await reader.read(spanStart, spanEnd - spanStart) : undefined;
  for (const i of indexes) {
    const bytes = span
      ? span.subarray(samples.offsets[i] - spanStart, samples.offsets[i] - spanStart + samples.sizes[i])
      : await reader.read(samples.offsets[i], samples.sizes[i]);
    if (sampleHasCea608(bytes, video.nalLengthSize, video.codec)) return true;
  }
  return false;
}

/**
 * The first seconds of video, looking for GA94 cc_data. A local file's pictures are first read only
 * as far as CAPTION_HEAD_BYTES each (a 720p title's first 5 s are ~5 MB, their heads ~0.6 MB), and
 * only a picture whose head does not settle it is read whole; a remote source is read whole as one span.
 */
async function hasCaptions(reader: CaptionReader, video: VideoTrack | undefined): Promise<boolean> {
  if (!video || video.samples.count === 0) return false;
  const { samples } = video;
  const count = captionScanCount(video);
  const all = Array.from({ length: count }, (_, i) => i);
  if (!reader.readSync) return wholeSamplesHaveCaptions(reader, video, all);
  const heads = await readRanges(reader, all.map((i) => ({ offset: samples.offsets[i], length: Math.min(samples.sizes[i], CAPTION_HEAD_BYTES) })), CAPTION_HEAD_READ);
  const unsettled: number[] = [];
  for (const i of all) {
    const scan = scanCea608(heads[i], samples.sizes[i], video.nalLengthSize, video.codec);
    if (scan === 'captions') return true;
    if (scan === 'incomplete') unsettled.push(i);
  }
  return wholeSamplesHaveCaptions(reader, video, unsettled);
}

function weightOf(text: RenditionText): number {
  return text.tracks.reduce((sum, t) => sum + t.cues.reduce((n, c) => n + c.text.length + 32, 0), 0);
}

export class SubtitleCatalog {
  private readonly lru = new BoundedLru<Promise<RenditionText>>(CATALOG_LIMITS);

  constructor(private readonly deps: SubtitleCatalogDeps) {}

  /** The rendition's text as its source and side files are now; `movie` is the parsed source (its video). */
  async textOf(src: OpenSource, movie: Movie): Promise<RenditionText> {
    const sideFiles = await listSideFiles(this.deps.config.mediaRoot, src.relPath);
    const key = `${sourceKey(src)}\u0002${sideFilesSignature(sideFiles)}`;
    const cached = this.lru.get(key);
    if (cached) return cached;
    const loading = this.load(src, movie, sideFiles);
    this.lru.set(key, loading, 0);
    loading.then(
      (text) => this.lru.get(key) === loading && this.lru.set(key, loading, weightOf(text)),
      () => this.lru.get(key) === loading && this.lru.delete(key),
    );
    return loading;
  }

  private async load(src: OpenSource, movie: Movie, sideFiles: readonly SideFile[]): Promise<RenditionText> {
    const reader = src.reader;
    // Text is extra: what cannot be read of it is logged and left out, and the rendition is described without it.
    const leftOut = <T>(what: string, fallback: T) => (err: unknown): T => {
      this.deps.log.warn({ source: src.relPath, err }, `${what} left out: ${(err as Error).message}`);
      return fallback;
    };
    const embedded = await this.embeddedTracks(src, reader).catch(leftOut('the MP4\'s text tracks', [] as SubtitleTrack[]));
    const captions = await hasCaptions(reader, movie.video).catch(leftOut('the closed-captions check', false));
    return { tracks: [...(await this.sideTracks(src, sideFiles)), ...embedded], captions };
  }

  private async sideTracks(src: OpenSource, sideFiles: readonly SideFile[]): Promise<SubtitleTrack[]> {
    const tracks: SubtitleTrack[] = [];
    for (const file of sideFiles) {
      try {
        const cues = sideFileCues(await readSideFile(this.deps.config.mediaRoot, file), file);
        tracks.push(track(file.language, file.language, undefined, cues));
      } catch (err) {
        if (!isCasterpakError(err)) throw err;
        this.deps.log.error({ source: src.relPath, file: file.relPath, code: err.code }, `subtitle track left out: ${err.message}`);
      }
    }
    return tracks;
  }

  private async embeddedTracks(src: OpenSource, reader: SourceReader): Promise<SubtitleTrack[]> {
    const { limits, segmentDurationSec } = this.deps.config;
    // The moov through the header reader (a remote object's is kept on disk), the cues through the sample reader.
    const moov = await readMoovBox(src.headerReader, limits);
    const { tracks, skipped } = readTextTracks(moov, { fileSizeBytes: src.sizeBytes, limits, segmentDurationSec });
    for (const skip of skipped) this.deps.log.warn({ source: src.relPath, track: skip.id }, `subtitle track left out: ${skip.reason}`);
    const out: SubtitleTrack[] = [];
    for (const text of tracks) {
      try {
        const cues = await embeddedCues(reader, text);
        if (cues.length > 0) out.push(track(embeddedTrackKey(text.id), text.language, text.name, cues));
      } catch (err) {
        // A damaged text track costs only itself: the rendition and its other tracks play on.
        this.deps.log.warn({ source: src.relPath, track: text.id }, `subtitle track left out: text track ${text.id}: ${(err as Error).message}`);
      }
    }
    return out;
  }
}
