// Access units from length-prefixed NAL units (ISO/IEC 14496-15) to Annex B byte streams (H.264/H.265 Annex B).

import { mp4Error } from '../errors.js';
import { classifyAccessUnit } from '../plan/nal-classify.js';
import type { SizedUnit } from './layout.js';
import type { MuxSample, MuxVideoConfig } from './types.js';

/** zero_byte + start_code_prefix_one_3bytes: the 4-byte form, valid before every NAL unit (H.264 §B.1.1). */
const START_CODE = Uint8Array.of(0, 0, 0, 1);

/** nal_unit_type values that matter here, H.264 Table 7-1. */
const AVC_NAL = { idr: 5, sps: 7, pps: 8, aud: 9 } as const;
/** nal_unit_type values, H.265 Table 7-1; IRAP pictures are types 16..23. */
const HEVC_NAL = { irapFirst: 16, irapLast: 23, idrWRadl: 19, idrNLp: 20, vps: 32, sps: 33, pps: 34, aud: 35 } as const;

/** H.264 access_unit_delimiter_rbsp, §7.3.2.4: primary_pic_type 7 (any slice type) and the stop bit. */
const AVC_AUD = Uint8Array.of(
  0, 0, 0, 1, // start code
  (0 << 7) | (0 << 5) | AVC_NAL.aud, // forbidden_zero_bit, nal_ref_idc 0, nal_unit_type 9
  (7 << 5) | 0x10, // primary_pic_type '111', rbsp_stop_one_bit, alignment zeros
);

/**
 * What the converter learned from one sample before writing it: a sized unit for the layout (random
 * access when flagged sync or holding an IDR or IRAP picture; keyframe when it holds an IDR, CRA or BLA
 * picture or an H.264 recovery point, the pictures an I-frame playlist lists),
 * and how to write it.
 */
export interface AccessUnitPlan extends SizedUnit {
  readonly sample: MuxSample;
  /** Parameter sets to insert after the delimiter (the sample lacks them and starts a random access point). */
  readonly parameterSets: readonly Uint8Array[];
  /** HEVC: nuh_temporal_id_plus1 of the picture, repeated in its delimiter (H.265 §7.4.2.4.4). */
  readonly temporalIdPlus1: number;
}

/** Calls `visit(type, start, end)` for each NAL unit of a length-prefixed sample; refuses lengths past its end. */
function forEachNal(sample: MuxSample, config: MuxVideoConfig, visit: (type: number, start: number, end: number) => void): void {
  const data = sample.data;
  const lengthSize = config.nalLengthSize;
  let pos = 0;
  while (pos < data.length) {
    if (pos + lengthSize > data.length) throw badSample(sample, pos);
    let nalBytes = 0;
    for (let i = 0; i < lengthSize; i++) nalBytes = nalBytes * 256 + data[pos + i];
    const start = pos + lengthSize;
    const end = start + nalBytes;
    if (end > data.length) throw badSample(sample, pos);
    if (nalBytes > 0) visit(nalType(config, data[start]), start, end); // empty NAL units carry nothing: dropped
    pos = end;
  }
}

function nalType(config: MuxVideoConfig, firstByte: number): number {
  return config.codec === 'avc' ? firstByte & 0x1f : (firstByte >> 1) & 0x3f;
}

function isAud(config: MuxVideoConfig, type: number): boolean {
  return type === (config.codec === 'avc' ? AVC_NAL.aud : HEVC_NAL.aud);
}

function badSample(sample: MuxSample, offset: number) {
  return mp4Error('MP4_BAD_SAMPLE', 'a video sample has a NAL unit length that runs past the sample', {
    dts90k: sample.dts90k,
    sampleBytes: sample.data.length,
    offset,
  });
}

/** Sizes the Annex B form of `sample` and decides which parameter sets it needs. */
export function planAccessUnit(sample: MuxSample, config: MuxVideoConfig): AccessUnitPlan {
  const seen = new Set<number>();
  let payloadBytes = 0;
  let randomAccess = sample.isKey;
  let keyframe = false;
  let temporalIdPlus1 = 0;
  forEachNal(sample, config, (type, start, end) => {
    seen.add(type);
    if (isAud(config, type)) return; // replaced by our own delimiter, which must come first
    payloadBytes += START_CODE.length + end - start;
    if (config.codec === 'avc') {
      if (type === AVC_NAL.idr) randomAccess = keyframe = true;
    } else {
      if (type >= HEVC_NAL.irapFirst && type <= HEVC_NAL.irapLast) randomAccess = true;
      if (type === HEVC_NAL.idrWRadl || type === HEVC_NAL.idrNLp) keyframe = true;
      if (type < HEVC_NAL.vps && temporalIdPlus1 === 0) temporalIdPlus1 = sample.data[start + 1] & 0x07;
    }
  });
  // An open-GOP source's CRA pictures and recovery points are listed in I-frame playlists as IDR pictures are.
  if (randomAccess && !keyframe) keyframe = classifyAccessUnit(config, sample.data, 0, sample.data.length).kind === 'recovery';
  const parameterSets = randomAccess ? missingParameterSets(config, seen) : [];
  for (const ps of parameterSets) payloadBytes += START_CODE.length + ps.length;
  payloadBytes += audBytes(config);
  return {
    dts90k: sample.dts90k,
    pts90k: sample.pts90k,
    randomAccess,
    payloadBytes,
    keyframe,
    sample,
    parameterSets,
    temporalIdPlus1: Math.max(1, temporalIdPlus1),
  };
}

function audBytes(config: MuxVideoConfig): number {
  return config.codec === 'avc' ? AVC_AUD.length : hevcAud(1).length;
}

/**
 * The Annex B size of a sample known only by its size and sync flag, for when its bytes are not at
 * hand (master playlists read the moov, not the samples). A 4-byte length prefix becomes a 4-byte
 * start code, so with 4-byte prefixes the size holds whatever the number of NAL units; with 1- to
 * 3-byte prefixes every NAL unit grows and their number is in the bytes: one per sample is assumed.
 * Our delimiter is added, and the configuration's parameter sets before every sync sample. Exact
 * when prefixes are 4 bytes, the sample carries no delimiter or parameter sets of its own (which
 * `planAccessUnit` drops or does not repeat) and its sync flag says what its NAL types say.
 */
export function accessUnitSizer(config: MuxVideoConfig): (sampleBytes: number, isKey: boolean) => number {
  const prefixGrowth = START_CODE.length - config.nalLengthSize;
  const keyExtra = missingParameterSets(config, new Set()).reduce((sum, ps) => sum + START_CODE.length + ps.length, 0);
  const delimiter = audBytes(config);
  return (sampleBytes, isKey) => sampleBytes + prefixGrowth + delimiter + (isKey ? keyExtra : 0);
}

/** The decoder configuration's parameter sets whose type the sample does not already carry, in VPS, SPS, PPS order. */
function missingParameterSets(config: MuxVideoConfig, seen: Set<number>): Uint8Array[] {
  const types = config.codec === 'avc' ? [-1, AVC_NAL.sps, AVC_NAL.pps] : [HEVC_NAL.vps, HEVC_NAL.sps, HEVC_NAL.pps];
  const lists = [config.codec === 'hevc' ? config.vps : [], config.sps, config.pps];
  const result: Uint8Array[] = [];
  lists.forEach((list, i) => {
    if (!seen.has(types[i])) result.push(...list);
  });
  return result;
}

/** H.265 access_unit_delimiter_rbsp, §7.3.2.5: pic_type 2 (I, P or B slices) and the stop bit. */
function hevcAud(temporalIdPlus1: number): Uint8Array {
  return Uint8Array.of(
    0, 0, 0, 1, // start code
    (0 << 7) | (HEVC_NAL.aud << 1) | 0, // forbidden_zero_bit, nal_unit_type 35, nuh_layer_id[5]
    (0 << 3) | temporalIdPlus1, // nuh_layer_id[4..0] 0, nuh_temporal_id_plus1
    (2 << 5) | 0x10, // pic_type '010', rbsp_stop_one_bit, alignment zeros
  );
}

/**
 * Writes the access unit at `offset` and returns the offset after it: our delimiter, the missing
 * parameter sets, then the sample's NAL units (minus its own delimiters) behind start codes.
 */
export function writeAccessUnit(plan: AccessUnitPlan, config: MuxVideoConfig, out: Uint8Array, offset: number): number {
  const sample = plan.sample;
  let pos = offset;
  const aud = config.codec === 'avc' ? AVC_AUD : hevcAud(plan.temporalIdPlus1);
  out.set(aud, pos);
  pos += aud.length;
  for (const ps of plan.parameterSets) {
    out.set(START_CODE, pos);
    out.set(ps, pos + START_CODE.length);
    pos += START_CODE.length + ps.length;
  }
  forEachNal(sample, config, (type, start, end) => {
    if (isAud(config, type)) return;
    out.set(START_CODE, pos);
    out.set(sample.data.subarray(start, end), pos + START_CODE.length);
    pos += START_CODE.length + end - start;
  });
  return pos;
}
