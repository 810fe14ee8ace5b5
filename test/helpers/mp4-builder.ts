// Builds small but complete MP4 files in memory (moov + mdat) from a description of their tracks, for parser and planner tests.

import { box, bytes, fourcc, fullBox, i32, i64, u16, u24, u32, u64, u8, zeros, type Part } from './boxes.js';

export interface SynthSample {
  /** stts delta in the track timescale. */
  readonly duration: number;
  /** ctts offset (signed; a negative one makes the builder write ctts version 1). */
  readonly cts?: number;
  /** Marked in stss (default true for audio, and for video when no sample says otherwise). */
  readonly sync?: boolean;
  /** The sample's bytes (video: length-prefixed NAL units, see `nalSample`). */
  readonly data: Uint8Array;
}

export interface SynthEdit {
  readonly segmentDuration: number;
  readonly mediaTime: number;
}

export interface SynthTrack {
  readonly handler: 'vide' | 'soun' | string;
  readonly timescale: number;
  /** The whole sample entry box (see `avc1Entry`, `mp4aEntry`, ...). */
  readonly sampleEntry: Uint8Array;
  readonly samples: readonly SynthSample[];
  readonly edits?: readonly SynthEdit[];
  readonly editVersion?: 0 | 1;
  readonly samplesPerChunk?: number;
}

export interface SynthMovie {
  readonly tracks: readonly SynthTrack[];
  readonly movieTimescale?: number;
  readonly moovAtEnd?: boolean;
  /** Extra boxes inside moov (e.g. an mvex to make it look fragmented). */
  readonly extraMoovBoxes?: readonly Uint8Array[];
}

// ---- codec configuration records ----

/** Length-prefixed NAL units (4-byte lengths), each given with its header byte(s) first. */
export function nalSample(...nals: Uint8Array[]): Uint8Array {
  return bytes(nals.map((nal) => [u32(nal.length), nal]));
}

/** An H.264 NAL unit of `type` with `bodyBytes` of filler. */
export function avcNal(type: number, bodyBytes = 8): Uint8Array {
  return bytes(u8(0x60 | type), new Array(bodyBytes).fill(0xab));
}

/** An HEVC NAL unit of `type` (2-byte header) with `bodyBytes` of filler. */
export function hevcNal(type: number, bodyBytes = 8): Uint8Array {
  return bytes(u8(type << 1), u8(1), new Array(bodyBytes).fill(0xcd));
}

export const SPS = bytes(u8(0x67), [0x64, 0x00, 0x1f, 0xac, 0xd9]);
export const PPS = bytes(u8(0x68), [0xeb, 0xe3, 0xcb]);

export function avcC(options: { profile?: number; compat?: number; level?: number; version?: number; lengthSizeMinusOne?: number } = {}): Uint8Array {
  return box(
    'avcC',
    u8(options.version ?? 1), // configurationVersion
    u8(options.profile ?? 0x64), // AVCProfileIndication
    u8(options.compat ?? 0x00), // profile_compatibility
    u8(options.level ?? 0x1f), // AVCLevelIndication
    u8(0xfc | (options.lengthSizeMinusOne ?? 3)), // reserved + lengthSizeMinusOne
    u8(0xe0 | 1), // reserved + numOfSequenceParameterSets
    u16(SPS.length), SPS,
    u8(1), // numOfPictureParameterSets
    u16(PPS.length), PPS,
  );
}

export function hvcC(options: { profileByte?: number; compatFlags?: number; constraint?: number[]; level?: number } = {}): Uint8Array {
  const vps = hevcNal(32, 4);
  const sps = hevcNal(33, 6);
  const pps = hevcNal(34, 3);
  return box(
    'hvcC',
    u8(1), // configurationVersion
    u8(options.profileByte ?? 0x01), // profile_space 0, tier 0, profile_idc 1
    u32(options.compatFlags ?? 0x60000000), // general_profile_compatibility_flags
    options.constraint ?? [0xb0, 0, 0, 0, 0, 0], // general_constraint_indicator_flags
    u8(options.level ?? 93), // general_level_idc
    [0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00], // segmentation, parallelism, chroma, bit depths, avgFrameRate
    u8(0x0f), // constantFrameRate 0, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3
    u8(3), // numOfArrays
    [vps, sps, pps].map((nal) => [u8(0x80 | ((nal[0] >> 1) & 0x3f)), u16(1), u16(nal.length), nal]),
  );
}

export function visualEntry(type: string, width: number, height: number, ...children: Uint8Array[]): Uint8Array {
  return box(type, zeros(6), u16(1), zeros(16), u16(width), u16(height), u32(0x00480000), u32(0x00480000), u32(0), u16(1), zeros(32), u16(0x18), u16(0xffff), ...children);
}

export const avc1Entry = (width = 320, height = 240, config = avcC()) => visualEntry('avc1', width, height, config);
export const hvc1Entry = (width = 320, height = 240, config = hvcC()) => visualEntry('hvc1', width, height, config);

/** AudioSampleEntry; `soundVersion` 1 or 2 writes QuickTime's longer sound description. */
export function audioEntry(type: string, channels: number, sampleRate: number, children: Uint8Array[], soundVersion = 0): Uint8Array {
  const extra = soundVersion === 1 ? zeros(16) : soundVersion === 2 ? zeros(36) : [];
  return box(type, zeros(6), u16(1), u16(soundVersion), u16(0), u32(0), u16(channels), u16(16), u16(0), u16(0), u32(sampleRate * 65536), extra, ...children);
}

/** AudioSpecificConfig: audioObjectType (5), samplingFrequencyIndex (4), channelConfiguration (4), then padding. */
export function asc(audioObjectType: number, frequencyIndex: number, channelConfiguration: number): Uint8Array {
  const bits = (audioObjectType << 11) | (frequencyIndex << 7) | (channelConfiguration << 3);
  return bytes(u16(bits));
}

function descriptor(tag: number, ...parts: Part[]): number[] {
  const body = bytes(...parts);
  return [tag, 0x80, 0x80, 0x80, body.length, ...body];
}

export function esds(objectTypeIndication: number, decoderSpecificInfo?: Uint8Array): Uint8Array {
  const dsi = decoderSpecificInfo ? descriptor(0x05, decoderSpecificInfo) : [];
  const decoderConfig = descriptor(0x04, u8(objectTypeIndication), u8(0x15), u24(0), u32(128000), u32(128000), dsi);
  return fullBox('esds', 0, 0, descriptor(0x03, u16(1), u8(0), decoderConfig, descriptor(0x06, u8(2))));
}

export const mp4aEntry = (channels = 2, sampleRate = 48000, config = esds(0x40, asc(2, 3, channels))) => audioEntry('mp4a', channels, sampleRate, [config]);

// ---- tracks and the movie ----

function runLength(values: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const value of values) {
    const last = runs[runs.length - 1];
    if (last && last[1] === value) last[0]++;
    else runs.push([1, value]);
  }
  return runs;
}

function sampleTableBoxes(track: SynthTrack, chunkOffsets: readonly number[]): Uint8Array {
  const { samples } = track;
  const perChunk = track.samplesPerChunk ?? 1;
  const stts = runLength(samples.map((s) => s.duration));
  const ctsValues = samples.map((s) => s.cts ?? 0);
  const ctts = runLength(ctsValues);
  const syncNumbers = samples.flatMap((s, i) => (s.sync === false ? [] : [i + 1]));
  const chunkCount = chunkOffsets.length;
  const lastChunkSamples = samples.length - perChunk * (chunkCount - 1);
  const stsc =
    chunkCount === 0 ? [] : lastChunkSamples === perChunk || chunkCount === 1 ? [[1, chunkCount === 1 ? samples.length : perChunk]] : [[1, perChunk], [chunkCount, lastChunkSamples]];
  return box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), track.sampleEntry),
    fullBox('stts', 0, 0, u32(stts.length), stts.map(([count, delta]) => [u32(count), u32(delta)])),
    ctsValues.some((v) => v !== 0) ? fullBox('ctts', ctsValues.some((v) => v < 0) ? 1 : 0, 0, u32(ctts.length), ctts.map(([count, offset]) => [u32(count), i32(offset)])) : [],
    syncNumbers.length === samples.length ? [] : fullBox('stss', 0, 0, u32(syncNumbers.length), syncNumbers.map(u32)),
    fullBox('stsc', 0, 0, u32(stsc.length), stsc.map(([first, count]) => [u32(first), u32(count), u32(1)])),
    fullBox('stsz', 0, 0, u32(0), u32(samples.length), samples.map((s) => u32(s.data.length))),
    fullBox('stco', 0, 0, u32(chunkOffsets.length), chunkOffsets.map(u32)),
  );
}

function editBox(track: SynthTrack): Uint8Array | number[] {
  if (!track.edits) return [];
  const version = track.editVersion ?? 0;
  const entries = track.edits.map((e) =>
    version === 1 ? [u64(e.segmentDuration), i64(e.mediaTime), u16(1), u16(0)] : [u32(e.segmentDuration), i32(e.mediaTime), u16(1), u16(0)],
  );
  return box('edts', fullBox('elst', version, 0, u32(track.edits.length), entries));
}

function trak(track: SynthTrack, id: number, chunkOffsets: readonly number[]): Uint8Array {
  const duration = track.samples.reduce((sum, s) => sum + s.duration, 0);
  return box(
    'trak',
    fullBox('tkhd', 0, 3, u32(0), u32(0), u32(id), u32(0), u32(duration), zeros(60), u32(0), u32(0)),
    editBox(track),
    box(
      'mdia',
      fullBox('mdhd', 0, 0, u32(0), u32(0), u32(track.timescale), u32(duration), u16(0x55c4), u16(0)),
      fullBox('hdlr', 0, 0, u32(0), fourcc(track.handler.padEnd(4).slice(0, 4)), zeros(12), u8(0)),
      box('minf', sampleTableBoxes(track, chunkOffsets)),
    ),
  );
}

function moov(movie: SynthMovie, offsetsByTrack: readonly number[][]): Uint8Array {
  const timescale = movie.movieTimescale ?? 1000;
  return box(
    'moov',
    fullBox('mvhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), u32(0x00010000), u16(0x0100), zeros(10), zeros(36), zeros(24), u32(movie.tracks.length + 1)),
    movie.tracks.map((track, index) => trak(track, index + 1, offsetsByTrack[index])),
    movie.extraMoovBoxes ?? [],
  );
}

/** mdat payload: each track's chunks one after the other; returns the payload and each chunk's offset within it. */
function layoutMdat(movie: SynthMovie): { payload: Uint8Array; relativeOffsets: number[][] } {
  const parts: Uint8Array[] = [];
  let position = 0;
  const relativeOffsets = movie.tracks.map((track) => {
    const perChunk = track.samplesPerChunk ?? 1;
    const offsets: number[] = [];
    track.samples.forEach((sample, i) => {
      if (i % perChunk === 0) offsets.push(position);
      parts.push(sample.data);
      position += sample.data.length;
    });
    return offsets;
  });
  return { payload: bytes(parts), relativeOffsets };
}

export function buildMovie(movie: SynthMovie): Uint8Array {
  const ftyp = box('ftyp', fourcc('isom'), u32(0x200), fourcc('isomiso2avc1mp41'));
  const { payload, relativeOffsets } = layoutMdat(movie);
  const mdatHeaderBytes = 8;
  // The moov's size does not depend on the offset values, so measure it once with zeros.
  const moovBytes = moov(movie, relativeOffsets).length;
  const mdatStart = ftyp.length + (movie.moovAtEnd ? 0 : moovBytes) + mdatHeaderBytes;
  const finalMoov = moov(movie, relativeOffsets.map((offsets) => offsets.map((o) => o + mdatStart)));
  const mdat = box('mdat', payload);
  return movie.moovAtEnd ? bytes(ftyp, mdat, finalMoov) : bytes(ftyp, finalMoov, mdat);
}

// ---- ready-made tracks ----

export interface SimpleVideoOptions {
  readonly frames: number;
  readonly timescale?: number;
  readonly frameDuration?: number;
  /** Sample indexes marked sync; default: every `gop`-th. */
  readonly gop?: number;
  /** Sync samples whose first slice is not IDR (type 1), e.g. open-GOP recovery points. */
  readonly nonIdrSync?: readonly number[];
  readonly edits?: readonly SynthEdit[];
  /** Put a large SEI before the first slice of every sync sample. */
  readonly seiBytes?: number;
  /** Bytes of each slice NAL's body (default 16). */
  readonly sliceBytes?: number;
}

export function simpleVideo(options: SimpleVideoOptions): SynthTrack {
  const gop = options.gop ?? 25;
  const nonIdr = new Set(options.nonIdrSync ?? []);
  const samples = Array.from({ length: options.frames }, (_, i): SynthSample => {
    const sync = i % gop === 0;
    const slice = avcNal(sync && !nonIdr.has(i) ? 5 : 1, options.sliceBytes ?? 16);
    const nals = sync ? [avcNal(9, 1), ...(options.seiBytes ? [avcNal(6, options.seiBytes)] : []), slice] : [avcNal(9, 1), slice];
    return { duration: options.frameDuration ?? 512, sync, data: nalSample(...nals) };
  });
  return { handler: 'vide', timescale: options.timescale ?? 12800, sampleEntry: avc1Entry(), samples, edits: options.edits };
}

export function simpleAudio(options: { frames: number; timescale?: number; frameDuration?: number; edits?: readonly SynthEdit[] }): SynthTrack {
  const samples = Array.from({ length: options.frames }, (_, i): SynthSample => ({
    duration: options.frameDuration ?? 1024,
    data: bytes(u8(0x21), new Array(20).fill(i & 0xff)),
  }));
  return { handler: 'soun', timescale: options.timescale ?? 48000, sampleEntry: mp4aEntry(), samples, edits: options.edits, samplesPerChunk: 4 };
}
