// Classifies an access unit by its first VCL NAL unit: an IDR picture, another random access point, or neither.

import type { VideoCodec } from '../mp4/types.js';

/** H.264 nal_unit_type (ITU-T H.264 Table 7-1): 1–5 are coded slices, 5 is an IDR slice, 6 is SEI. */
const AVC_VCL_FIRST = 1;
const AVC_VCL_LAST = 5;
const AVC_IDR = 5;
const AVC_SEI = 6;
/** H.264 SEI payloadType 6, recovery_point (§D.1.8): decoding may start at this picture. */
const AVC_SEI_RECOVERY_POINT = 6;
/** H.264 slice_type (Table 7-6): 2 and 7 are I, 4 and 9 are SI; every slice of the picture is intra. */
const AVC_INTRA_SLICE_TYPES = new Set([2, 4, 7, 9]);
/** Enough of an H.264 slice NAL unit for first_mb_in_slice and slice_type (two ue(v), at most 8 bytes in any real picture). */
const SLICE_HEADER_BYTES = 9;
/** Bytes of an SEI NAL unit that show its first messages' types and sizes; fewer than this is read again. */
const SEI_HEAD_BYTES = 16;
/** HEVC nal_unit_type (ITU-T H.265 Table 7-1): 0–31 are VCL; IDR_W_RADL 19 and IDR_N_LP 20 are IDR pictures. */
const HEVC_VCL_LAST = 31;
const HEVC_IDR_W_RADL = 19;
const HEVC_IDR_N_LP = 20;
/** BLA_W_LP 16, BLA_W_RADL 17, BLA_N_LP 18 and CRA_NUT 21: IRAP pictures that are not IDR (§3.63, §8.1.3). */
const HEVC_NON_IDR_IRAP = new Set([16, 17, 18, 21]);

/** What a first VCL NAL unit makes of its picture, given whether a recovery point SEI came before it. */
export type VclKind = 'idr' | 'recovery' | 'not-idr';

export type AccessUnitClass =
  | { readonly kind: VclKind }
  /** The next NAL header lies past the bytes given: read again from this cursor within the sample. */
  | { readonly kind: 'need-bytes'; readonly offsetInSample: number; readonly recoveryPoint: boolean };

/** Where a read of a sample resumes, and what the NAL units before it said. */
export interface ProbeCursor {
  readonly offsetInSample: number;
  /** An H.264 recovery point SEI was seen in the units already walked. */
  readonly recoveryPoint: boolean;
}

export interface NalLayout {
  readonly codec: VideoCodec;
  readonly nalLengthSize: number;
}

/** Bytes of the NAL unit header: 1 for H.264, 2 for HEVC (we only need the first). */
function nalHeaderBytes(codec: VideoCodec): number {
  return codec === 'avc' ? 1 : 2;
}

/** Returns true/false for a VCL NAL (IDR or not), undefined for a non-VCL one (AUD, SEI, parameter sets). */
export function vclIsIdr(codec: VideoCodec, headerByte: number): boolean | undefined {
  if (codec === 'avc') {
    const type = headerByte & 0x1f; // forbidden_zero_bit (1), nal_ref_idc (2), nal_unit_type (5)
    return type >= AVC_VCL_FIRST && type <= AVC_VCL_LAST ? type === AVC_IDR : undefined;
  }
  const type = (headerByte >> 1) & 0x3f; // forbidden_zero_bit (1), nal_unit_type (6), ...
  return type <= HEVC_VCL_LAST ? type === HEVC_IDR_W_RADL || type === HEVC_IDR_N_LP : undefined;
}

/** The RBSP bytes of a NAL unit's payload (emulation_prevention_three_byte removed, H.264 §7.4.1). */
function rbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out.push(byte);
  }
  return Uint8Array.from(out);
}

/** Does this SEI RBSP (after the NAL header) hold a recovery_point message among those that fit in it (§7.3.2.3)? */
export function seiHasRecoveryPoint(payload: Uint8Array): boolean {
  let pos = 0;
  const readCoded = (): number | undefined => {
    let value = 0;
    while (pos < payload.length && payload[pos] === 0xff) value += payload[pos++];
    return pos < payload.length ? value + payload[pos++] : undefined;
  };
  while (pos < payload.length && payload[pos] !== 0x80) { // 0x80: rbsp_trailing_bits
    const type = readCoded();
    const size = readCoded();
    if (type === undefined || size === undefined) return false;
    if (type === AVC_SEI_RECOVERY_POINT) return true;
    pos += size;
  }
  return false;
}

/** Exp-Golomb ue(v) reader over an RBSP (§9.1); undefined when the bits run out. */
function readUe(data: Uint8Array, state: { bit: number }): number | undefined {
  const bitAt = (n: number) => (data[n >> 3] >> (7 - (n & 7))) & 1;
  let zeros = 0;
  while (state.bit < data.length * 8 && bitAt(state.bit) === 0) {
    zeros++;
    state.bit++;
  }
  if (state.bit + zeros >= data.length * 8 || zeros > 31) return undefined;
  let value = 0;
  for (let i = 0; i <= zeros; i++) value = value * 2 + bitAt(state.bit++);
  return value - 1;
}

/** slice_type of an H.264 slice header (first_mb_in_slice, then slice_type, §7.3.3). */
export function avcSliceType(sliceRbsp: Uint8Array): number | undefined {
  const state = { bit: 0 };
  return readUe(sliceRbsp, state) === undefined ? undefined : readUe(sliceRbsp, state);
}

/** The picture's kind from its first VCL NAL unit (`nal`: header included, possibly cut short). */
export function vclKind(codec: VideoCodec, nal: Uint8Array, recoveryPoint: boolean): VclKind {
  if (vclIsIdr(codec, nal[0])) return 'idr';
  if (codec === 'hevc') return HEVC_NON_IDR_IRAP.has((nal[0] >> 1) & 0x3f) ? 'recovery' : 'not-idr';
  const sliceType = recoveryPoint ? avcSliceType(rbsp(nal.subarray(1))) : undefined;
  return sliceType !== undefined && AVC_INTRA_SLICE_TYPES.has(sliceType) ? 'recovery' : 'not-idr';
}

function readLength(bytes: Uint8Array, at: number, size: number): number {
  let length = 0;
  for (let i = 0; i < size; i++) length = length * 256 + bytes[at + i];
  return length;
}

/**
 * Walks the length-prefixed NAL units of a sample. `bytes` holds the sample from the cursor on (any
 * length); NAL units that do not fit are skipped by their length prefix, so a large SEI before the
 * slice costs one more small read, not a read of the SEI. An H.264 SEI is looked into as far as one
 * read from its start reaches: a recovery point message behind a long one in the same NAL unit is not seen.
 */
export function classifyAccessUnit(layout: NalLayout, bytes: Uint8Array, at: number | ProbeCursor, sampleSize: number): AccessUnitClass {
  const cursor = typeof at === 'number' ? { offsetInSample: at, recoveryPoint: false } : at;
  const headerBytes = layout.nalLengthSize + nalHeaderBytes(layout.codec);
  let recoveryPoint = cursor.recoveryPoint;
  let pos = cursor.offsetInSample;
  while (pos + headerBytes <= sampleSize) {
    const local = pos - cursor.offsetInSample;
    if (local + headerBytes > bytes.length) return { kind: 'need-bytes', offsetInSample: pos, recoveryPoint };
    const nalLength = readLength(bytes, local, layout.nalLengthSize);
    if (nalLength === 0) break; // a malformed access unit is never a safe place to cut
    const start = local + layout.nalLengthSize;
    const nal = bytes.subarray(start, Math.min(bytes.length, start + nalLength));
    if (vclIsIdr(layout.codec, nal[0]) !== undefined) {
      // slice_type sits in the slice header's first bytes: read them when this read stopped short of them.
      const sliceCut = layout.codec === 'avc' && recoveryPoint && nal.length < Math.min(nalLength, SLICE_HEADER_BYTES);
      if (sliceCut && local > 0) return { kind: 'need-bytes', offsetInSample: pos, recoveryPoint };
      return { kind: vclKind(layout.codec, nal, recoveryPoint) };
    }
    if (layout.codec === 'avc' && (nal[0] & 0x1f) === AVC_SEI && !recoveryPoint) {
      // An SEI this read cut off near its start is read again from there, where a whole read's worth of it is seen.
      if (nal.length < Math.min(nalLength, SEI_HEAD_BYTES) && local > 0) return { kind: 'need-bytes', offsetInSample: pos, recoveryPoint };
      recoveryPoint = seiHasRecoveryPoint(rbsp(nal.subarray(1)));
    }
    pos += layout.nalLengthSize + nalLength;
  }
  return { kind: 'not-idr' };
}

/** Where the NAL unit that starts at `from` ends in an Annex B stream: at the next start code prefix, or the end (H.264 §B.2). */
function annexBNalEnd(es: Uint8Array, from: number): number {
  for (let i = from; i + 2 < es.length; i++) if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] <= 1) return i;
  return es.length;
}

/**
 * The kind of the picture in an Annex B access unit (an MPEG-TS PES payload), from its first VCL NAL
 * unit and, for H.264, the recovery point SEI before it; 'not-idr' when it has no coded slice.
 */
export function annexBPictureKind(codec: VideoCodec, es: Uint8Array): VclKind {
  let recoveryPoint = false;
  for (let i = 0; i + 3 < es.length; i++) {
    if (es[i] !== 0 || es[i + 1] !== 0 || es[i + 2] !== 1) continue;
    const start = i + 3;
    const nal = es.subarray(start, annexBNalEnd(es, start));
    if (vclIsIdr(codec, nal[0]) !== undefined) return vclKind(codec, nal, recoveryPoint);
    if (codec === 'avc' && (nal[0] & 0x1f) === AVC_SEI && !recoveryPoint) recoveryPoint = seiHasRecoveryPoint(rbsp(nal.subarray(1)));
    i = start + nal.length - 1;
  }
  return 'not-idr';
}
