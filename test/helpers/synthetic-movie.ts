// A Movie and the sample bytes it describes, made together, so size models can be checked against the real muxer.

import type { AudioTrack, Movie, SampleTable, VideoTrack } from '../../daemon/mp4/types.js';
import type { MuxSample, MuxSegmentInput } from '../../daemon/mpegts/types.js';
import { sampleTimes90k } from '../../daemon/plan/timeline.js';
import type { SegmentSpan } from '../../daemon/master/segment-bytes.js';
import { AVC_PPS, AVC_SPS, aacAudioConfig, avcNal, filler, lengthPrefixed } from './synthetic-media.js';

export interface SyntheticVideo {
  readonly frames: number;
  readonly timescale: number;
  readonly frameDuration: number;
  /** A sync (IDR) sample every `gop` frames. */
  readonly gop: number;
  readonly sliceBytes: (i: number) => number;
  /** Composition offset in track ticks (B-frame reordering). */
  readonly cts?: (i: number) => number;
  readonly nalLengthSize?: number;
}

export interface SyntheticAudio {
  readonly frames: number;
  readonly sampleRate: number;
  readonly frameBytes: (i: number) => number;
  /** Decode time of the first frame in track ticks (an offset against the video). */
  readonly startTicks?: number;
}

export interface SyntheticRendition {
  readonly movie: Movie;
  readonly videoData: Uint8Array[];
  readonly audioData: Uint8Array[];
}

function table(sizes: readonly number[], durations: readonly number[], cts: readonly number[], sync: readonly boolean[], startTicks = 0): SampleTable {
  const count = sizes.length;
  const dts = new Float64Array(count);
  const offsets = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    dts[i] = i === 0 ? startTicks : dts[i - 1] + durations[i - 1];
    offsets[i] = i === 0 ? 0 : offsets[i - 1] + sizes[i - 1];
  }
  return {
    count,
    offsets,
    sizes: Uint32Array.from(sizes),
    dts,
    cts: Int32Array.from(cts),
    durations: Uint32Array.from(durations),
    sync: Uint8Array.from(sync.map((s) => (s ? 1 : 0))),
  };
}

function videoOf(options: SyntheticVideo): { track: VideoTrack; data: Uint8Array[] } {
  const lengthSize = options.nalLengthSize ?? 4;
  const sync = Array.from({ length: options.frames }, (_, i) => i % options.gop === 0);
  const data = sync.map((key, i) => lengthPrefixed([avcNal(key ? 5 : 1, options.sliceBytes(i), i + 1)], lengthSize));
  const durations = new Array(options.frames).fill(options.frameDuration);
  const cts = Array.from({ length: options.frames }, (_, i) => options.cts?.(i) ?? 0);
  const track: VideoTrack = {
    kind: 'video',
    id: 1,
    timescale: options.timescale,
    durationTicks: options.frames * options.frameDuration,
    edit: { emptyDelayTicks: 0, mediaStartTicks: 0 },
    samples: table(data.map((d) => d.length), durations, cts, sync),
    codecString: 'avc1.64001f',
    codec: 'avc',
    width: 640,
    height: 360,
    nalLengthSize: lengthSize,
    vps: [],
    sps: [AVC_SPS],
    pps: [AVC_PPS],
  };
  return { track, data };
}

function audioOf(options: SyntheticAudio): { track: AudioTrack; data: Uint8Array[] } {
  const data = Array.from({ length: options.frames }, (_, i) => filler(options.frameBytes(i), 9000 + i));
  const config = aacAudioConfig(options.sampleRate, 2);
  const track: AudioTrack = {
    kind: 'audio',
    id: 2,
    timescale: options.sampleRate,
    durationTicks: options.frames * 1024,
    edit: { emptyDelayTicks: 0, mediaStartTicks: 0 },
    samples: table(data.map((d) => d.length), new Array(options.frames).fill(1024), new Array(options.frames).fill(0), new Array(options.frames).fill(true), options.startTicks),
    codecString: 'mp4a.40.2',
    codec: 'aac',
    sampleRate: options.sampleRate,
    channelCount: 2,
    audioSpecificConfig: config.audioSpecificConfig,
  };
  return { track, data };
}

export function syntheticRendition(options: { video?: SyntheticVideo; audio?: SyntheticAudio }): SyntheticRendition {
  const video = options.video ? videoOf(options.video) : undefined;
  const audio = options.audio ? audioOf(options.audio) : undefined;
  return {
    movie: { timescale: 1000, durationTicks: 0, fileSizeBytes: 1 << 30, video: video?.track, audio: audio?.track },
    videoData: video?.data ?? [],
    audioData: audio?.data ?? [],
  };
}

/** The muxer's input for one span of the rendition, stamped as the builtin packager stamps samples (every track declared). */
export function muxInputOf(rendition: SyntheticRendition, segmentNumber: number, span: SegmentSpan, shift90k = 90_000): MuxSegmentInput {
  const { movie } = rendition;
  const stamp = (track: VideoTrack | AudioTrack, data: Uint8Array[], first: number, last: number): MuxSample[] =>
    data.slice(first, last + 1).map((bytes, k) => ({ ...sampleTimes90k(track, first + k, shift90k), isKey: track.samples.sync[first + k] === 1, data: bytes }));
  const input: { segmentNumber: number; video?: MuxSegmentInput['video']; audio?: MuxSegmentInput['audio'] } = { segmentNumber };
  if (movie.video) {
    const { codec, nalLengthSize, vps, sps, pps } = movie.video;
    const samples = span.video ? stamp(movie.video, rendition.videoData, span.video.firstSample, span.video.lastSample) : [];
    input.video = { config: { codec, nalLengthSize, vps, sps, pps }, samples };
  }
  if (movie.audio) {
    const samples = span.audio ? stamp(movie.audio, rendition.audioData, span.audio.firstSample, span.audio.lastSample) : [];
    input.audio = { config: aacAudioConfig(movie.audio.sampleRate, 2), samples };
  }
  return input;
}
