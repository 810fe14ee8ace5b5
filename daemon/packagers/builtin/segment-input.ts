// Cuts one planned segment's samples out of the source (coalesced ranged reads) and stamps them for the muxer.

import type { MuxAudioConfig, MuxSample, MuxSegmentInput, MuxVideoConfig } from '../../mpegts/types.js';
import type { AudioTrack, Movie, RangeReader, Track, VideoTrack } from '../../mp4/types.js';
import { sampleTimes90k } from '../../plan/timeline.js';
import { NOT_IDR, type IdrMarks, type PlannedSegment, type SampleRange, type SegmentPlan } from '../../plan/types.js';
import { coalescedBytes, readRanges, type ByteRange, type CoalesceOptions } from '../../source/ranged-reads.js';
import type { ScratchPool } from '../../source/scratch-pool.js';

/**
 * Samples of both tracks sit interleaved in the mdat, so a segment is usually one contiguous region;
 * small gaps (other segments' audio at the edges) are cheaper to read than to skip.
 */
const SEGMENT_READ = { maxGapBytes: 64 * 1024, maxSpanBytes: 16 * 1024 * 1024, concurrency: 4 };

/**
 * One track alone of a finely interleaved file (CMAF audio: a few hundred bytes of audio after each
 * picture) would coalesce into the whole segment, 10.7 MB read for 0.16 MB of audio in a 10 s 720p
 * segment. When coalescing reads more than SPARSE_RATIO times the samples' bytes, a local file's runs of
 * samples are read one by one instead, on this thread while the budget lasts (a pread the page cache
 * answers costs a few microseconds; the rest go through the pool), each read at most a MiB. A remote
 * source keeps the coalesced read: one ranged request beats hundreds.
 */
const SPARSE_READ = { maxGapBytes: 4 * 1024, maxSpanBytes: 1024 * 1024, concurrency: 4, syncBudgetMs: 4 };
const SPARSE_RATIO = 4;

/** What sample bytes are read with: the opened source, and the pool of buffers they are read into. */
export interface SampleReadSource {
  readonly reader: RangeReader & {
    read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array>;
    readSync?(offset: number, length: number, target?: Uint8Array): Uint8Array;
  };
  /** Where the sample bytes are read into; they must be given back once the segment is made. */
  readonly scratch: ScratchPool;
}

export interface SegmentSource extends SampleReadSource {
  readonly movie: Movie;
  readonly marks: IdrMarks;
  readonly plan: SegmentPlan;
}

/** The byte ranges of a track's samples in `range`, in decode order. */
export function sampleRanges(track: Track, range: SampleRange): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let i = range.firstSample; i <= range.lastSample; i++) ranges.push({ offset: track.samples.offsets[i], length: track.samples.sizes[i] });
  return ranges;
}

function stamp(track: Track, range: SampleRange, data: Uint8Array[], isKey: (i: number) => boolean, shift90k: number): MuxSample[] {
  return data.map((bytes, k) => {
    const i = range.firstSample + k;
    const { dts90k, pts90k } = sampleTimes90k(track, i, shift90k);
    return { dts90k, pts90k, isKey: isKey(i), data: bytes };
  });
}

function videoConfig(video: VideoTrack): MuxVideoConfig {
  return { codec: video.codec, nalLengthSize: video.nalLengthSize, vps: video.vps, sps: video.sps, pps: video.pps };
}

function audioConfig(audio: AudioTrack): MuxAudioConfig {
  return { codec: audio.codec, sampleRate: audio.sampleRate, channelCount: audio.channelCount, audioSpecificConfig: audio.audioSpecificConfig };
}

export interface SegmentInput {
  readonly input: MuxSegmentInput;
  /** Gives the sample bytes' buffer back to the pool; call once the input is muxed (or abandoned). */
  readonly release: () => void;
}

export interface SampleBytes {
  /** Each range's bytes, views into one pooled buffer. */
  readonly data: Uint8Array[];
  /** Gives the buffer back to the pool; call once the bytes are used (or abandoned). */
  readonly release: () => void;
}

/** The read options for `ranges` (see SPARSE_READ) and the bytes they read. */
function readPlan(source: SampleReadSource, ranges: readonly ByteRange[]): { options: CoalesceOptions & { concurrency: number; syncBudgetMs?: number }; bytes: number } {
  const coalesced = coalescedBytes(ranges, SEGMENT_READ);
  if (!source.reader.readSync) return { options: SEGMENT_READ, bytes: coalesced };
  const wanted = ranges.reduce((sum, range) => sum + range.length, 0);
  return coalesced > SPARSE_RATIO * wanted ? { options: SPARSE_READ, bytes: coalescedBytes(ranges, SPARSE_READ) } : { options: SEGMENT_READ, bytes: coalesced };
}

/** Reads `ranges` with coalesced ranged reads into one buffer taken from the pool. */
export async function readSampleBytes(source: SampleReadSource, ranges: ByteRange[], signal?: AbortSignal): Promise<SampleBytes> {
  const { options, bytes } = readPlan(source, ranges);
  const buffer = source.scratch.take(bytes);
  const release = () => source.scratch.give(buffer);
  try {
    return { data: await readRanges(source.reader, ranges, { ...options, signal }, buffer), release };
  } catch (err) {
    release();
    throw err;
  }
}

export async function readSegmentInput(source: SegmentSource, segment: PlannedSegment, signal?: AbortSignal): Promise<SegmentInput> {
  const ranges = [...rangesOf(source.movie.video, segment.video), ...rangesOf(source.movie.audio, segment.audio)];
  const { data, release } = await readSampleBytes(source, ranges, signal);
  return { input: stampSegment(source, segment, data), release };
}

function rangesOf(track: Track | undefined, range: SampleRange | undefined): ByteRange[] {
  return track && range ? sampleRanges(track, range) : [];
}

/**
 * Every segment declares every track of the rendition (an empty list when a track has no samples in
 * it, e.g. audio that ends early), so the PMT is the same in all segments.
 */
function stampSegment(source: SegmentSource, segment: PlannedSegment, data: Uint8Array[]): MuxSegmentInput {
  const { movie, marks, plan } = source;
  const videoCount = segment.video ? segment.video.lastSample - segment.video.firstSample + 1 : 0;
  const input: { segmentNumber: number; video?: MuxSegmentInput['video']; audio?: MuxSegmentInput['audio'] } = { segmentNumber: segment.number };
  if (movie.video) {
    const video = movie.video;
    // A sync sample that is an IDR or another random access point (CRA, BLA, recovery point) gets the parameter
    // sets before it, so a player joining there has them; one never classified too, as repeating them is harmless.
    const isKey = (i: number) => video.samples.sync[i] === 1 && marks[i] !== NOT_IDR;
    const samples = segment.video ? stamp(video, segment.video, data.slice(0, videoCount), isKey, plan.shift90k) : [];
    input.video = { config: videoConfig(video), samples };
  }
  if (movie.audio) {
    const samples = segment.audio ? stamp(movie.audio, segment.audio, data.slice(videoCount), () => true, plan.shift90k) : [];
    input.audio = { config: audioConfig(movie.audio), samples };
  }
  return input;
}
