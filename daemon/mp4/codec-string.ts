// RFC 6381 codec strings for the CODECS attribute, derived from the codec configuration records.

import type { AvcConfig } from './avc-config.js';
import type { HevcConfig } from './hevc-config.js';

const hex2 = (value: number): string => value.toString(16).padStart(2, '0');

/**
 * avc1.PPCCLL: profile_idc, constraint flags and level_idc as hex (RFC 6381 §3.3, ISO/IEC 14496-15 Annex E).
 * Always `avc1`: TS carries parameter sets in band and has no sample entry, and players know `avc1`.
 */
export function avcCodecString(config: AvcConfig): string {
  return `avc1.${hex2(config.profileIndication)}${hex2(config.profileCompatibility)}${hex2(config.levelIndication)}`;
}

/** general_profile_compatibility_flags are written bit-reversed (ISO/IEC 14496-15 §E.3). */
function reverseBits32(value: number): number {
  let reversed = 0;
  for (let i = 0; i < 32; i++) reversed = reversed * 2 + (Math.floor(value / 2 ** i) & 1);
  return reversed;
}

/**
 * hvc1.<space><profile>.<compat>.<tier><level>[.<constraint bytes>] (ISO/IEC 14496-15 §E.3), e.g.
 * hvc1.1.6.L93.B0: profile space as '', A, B or C; compatibility flags bit-reversed in hex without
 * leading zeros; L or H tier then level_idc; constraint bytes in hex, trailing zero bytes dropped.
 */
export function hevcCodecString(config: HevcConfig): string {
  const space = ['', 'A', 'B', 'C'][config.generalProfileSpace];
  const compat = reverseBits32(config.generalProfileCompatibilityFlags).toString(16).toUpperCase();
  const tier = config.generalTierFlag ? 'H' : 'L';
  const constraints = Array.from(config.generalConstraintIndicatorFlags);
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const constraintPart = constraints.map((byte) => `.${byte.toString(16).toUpperCase()}`).join('');
  return `hvc1.${space}${config.generalProfileIdc}.${compat}.${tier}${config.generalLevelIdc}${constraintPart}`;
}

/** MPEG-4 audio (objectTypeIndication 0x40): mp4a.40.<audioObjectType> (RFC 6381 §3.3). */
export function mpeg4AudioCodecString(audioObjectType: number): string {
  return `mp4a.40.${audioObjectType}`;
}

/** Other MPEG audio object types (MPEG-2 AAC 0x66–0x68): mp4a.<objectTypeIndication in hex>. */
export function objectTypeCodecString(objectTypeIndication: number): string {
  return `mp4a.${hex2(objectTypeIndication).toUpperCase()}`;
}

/**
 * MP3, whether the MP4 stores objectTypeIndication 0x6B (MPEG-1 audio) or 0x69 (MPEG-2 audio).
 * We write mp4a.40.34 (MPEG-4 audio object type 34, "Layer-3", ISO/IEC 14496-3 Table 1.1) rather
 * than mp4a.6B: it names the codec (MP3) rather than the MPEG edition, so one string covers both
 * object type indications, and it is the form hls.js maps to audio/mpeg.
 */
export const MP3_CODEC_STRING = 'mp4a.40.34';
/** ETSI TS 102 366 Annex F: the sample entry names are the codec strings. */
export const AC3_CODEC_STRING = 'ac-3';
export const EAC3_CODEC_STRING = 'ec-3';
