// Hand-made muxer inputs: NAL units and audio frames with known bytes, timed at 90 kHz.

import type { MuxAudioConfig, MuxSample, MuxVideoConfig } from '../../daemon/mpegts/types.js';

/** Deterministic bytes in 1..255: no zero bytes, so no start code can appear inside a fake NAL unit. */
export function filler(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = (x % 255) + 1;
  }
  return bytes;
}

/** An H.264 NAL unit: header byte (nal_ref_idc 3 unless a plain slice) and `size - 1` bytes of body. */
export function avcNal(type: number, size: number, seed = type): Uint8Array {
  const nal = filler(size, seed);
  nal[0] = ((type === 1 ? 2 : 3) << 5) | type;
  return nal;
}

/** An HEVC NAL unit: 2-byte header with the given TemporalId + 1, then body bytes. */
export function hevcNal(type: number, size: number, temporalIdPlus1 = 1, seed = type): Uint8Array {
  const nal = filler(size, seed);
  nal[0] = type << 1;
  nal[1] = temporalIdPlus1;
  return nal;
}

/** Joins NAL units with big-endian length prefixes of `lengthSize` bytes (ISO/IEC 14496-15 sample format). */
export function lengthPrefixed(nals: Uint8Array[], lengthSize = 4): Uint8Array {
  const out = new Uint8Array(nals.reduce((n, nal) => n + lengthSize + nal.length, 0));
  let at = 0;
  for (const nal of nals) {
    for (let i = 0; i < lengthSize; i++) out[at + i] = Math.floor(nal.length / 256 ** (lengthSize - 1 - i)) % 256;
    out.set(nal, at + lengthSize);
    at += lengthSize + nal.length;
  }
  return out;
}

export const AVC_SPS = avcNal(7, 24, 701);
export const AVC_PPS = avcNal(8, 6, 801);

export function avcConfig(nalLengthSize = 4): MuxVideoConfig {
  return { codec: 'avc', nalLengthSize, vps: [], sps: [AVC_SPS], pps: [AVC_PPS] };
}

export interface VideoOptions {
  count: number;
  firstDts90k: number;
  frameDuration90k: number;
  /** Every `gop`-th frame is an IDR. */
  gop: number;
  /** Bytes of the slice NAL unit of frame i. */
  sliceBytes: (i: number) => number;
  /** Composition offset of frame i (B-frame reordering); 0 by default. */
  ctsOffset90k?: (i: number) => number;
}

/** H.264 samples: an IDR slice every `gop` frames, a plain slice otherwise. */
export function avcSamples(options: VideoOptions): MuxSample[] {
  return Array.from({ length: options.count }, (_, i) => {
    const isKey = i % options.gop === 0;
    const dts90k = options.firstDts90k + i * options.frameDuration90k;
    return {
      dts90k,
      pts90k: dts90k + (options.ctsOffset90k?.(i) ?? 0),
      isKey,
      data: lengthPrefixed([avcNal(isKey ? 5 : 1, options.sliceBytes(i), i + 1)]),
    };
  });
}

/** AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) for AAC-LC: object type 2, frequency index, channels. */
export function aacLcConfig(samplingFrequencyIndex: number, channelConfiguration: number): Uint8Array {
  return Uint8Array.of((2 << 3) | (samplingFrequencyIndex >> 1), ((samplingFrequencyIndex & 1) << 7) | (channelConfiguration << 3));
}

export function aacAudioConfig(sampleRate = 48000, channelCount = 2): MuxAudioConfig {
  const index = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000].indexOf(sampleRate);
  return { codec: 'aac', sampleRate, channelCount, audioSpecificConfig: aacLcConfig(index, channelCount) };
}

export interface AudioOptions {
  count: number;
  firstDts90k: number;
  sampleRate: number;
  /** Samples per frame: 1024 for AAC, 1152 for MP3, 1536 for AC-3. */
  frameSamples: number;
  frameBytes: (i: number) => number;
}

/** Audio frames with timestamps rounded to 90 kHz from an exact sample count, as a reader would give them. */
export function audioSamples(options: AudioOptions): MuxSample[] {
  return Array.from({ length: options.count }, (_, i) => {
    const dts90k = options.firstDts90k + Math.round((i * options.frameSamples * 90000) / options.sampleRate);
    return { dts90k, pts90k: dts90k, isKey: true, data: filler(options.frameBytes(i), 5000 + i) };
  });
}
