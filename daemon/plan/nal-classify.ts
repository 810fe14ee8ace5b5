// Classifies an access unit by the type of its first VCL NAL unit: is this sync sample a true IDR picture?

import type { VideoCodec } from '../mp4/types.js';

/** H.264 nal_unit_type (ITU-T H.264 Table 7-1): 1–5 are coded slices, 5 is an IDR slice. */
const AVC_VCL_FIRST = 1;
const AVC_VCL_LAST = 5;
const AVC_IDR = 5;
/** HEVC nal_unit_type (ITU-T H.265 Table 7-1): 0–31 are VCL; IDR_W_RADL 19 and IDR_N_LP 20 are IDR pictures. */
const HEVC_VCL_LAST = 31;
const HEVC_IDR_W_RADL = 19;
const HEVC_IDR_N_LP = 20;

export type AccessUnitClass =
  | { readonly kind: 'idr' }
  | { readonly kind: 'not-idr' }
  /** The next NAL header lies past the bytes given: read again from this offset within the sample. */
  | { readonly kind: 'need-bytes'; readonly offsetInSample: number };

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

function readLength(bytes: Uint8Array, at: number, size: number): number {
  let length = 0;
  for (let i = 0; i < size; i++) length = length * 256 + bytes[at + i];
  return length;
}

/**
 * Walks the length-prefixed NAL units of a sample. `bytes` holds the sample from `startInSample`
 * on (any length); NAL units that do not fit are skipped by their length prefix, so a large SEI
 * before the slice costs one more small read, not a read of the SEI.
 */
export function classifyAccessUnit(layout: NalLayout, bytes: Uint8Array, startInSample: number, sampleSize: number): AccessUnitClass {
  const headerBytes = layout.nalLengthSize + nalHeaderBytes(layout.codec);
  let pos = startInSample;
  while (pos + headerBytes <= sampleSize) {
    const local = pos - startInSample;
    if (local + headerBytes > bytes.length) return { kind: 'need-bytes', offsetInSample: pos };
    const nalLength = readLength(bytes, local, layout.nalLengthSize);
    if (nalLength === 0) break; // a malformed access unit is never a safe place to cut
    const isIdr = vclIsIdr(layout.codec, bytes[local + layout.nalLengthSize]);
    if (isIdr !== undefined) return { kind: isIdr ? 'idr' : 'not-idr' };
    pos += layout.nalLengthSize + nalLength;
  }
  return { kind: 'not-idr' };
}
