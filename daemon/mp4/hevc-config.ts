// Parses the HEVCDecoderConfigurationRecord (hvcC, ISO/IEC 14496-15 §8.3.3.1): profile/tier/level, NAL length size, VPS/SPS/PPS.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import type { Box } from './boxes.js';
import { checkNalLengthSize } from './avc-config.js';

/** NAL unit types of parameter sets (ITU-T H.265 Table 7-1). */
const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;
/**
 * Parameter set ids reach 16 VPS, 16 SPS and 64 PPS (ITU-T H.265 §7.4.3); more sets than that in
 * one record are corrupt, and holding them (and writing them before every IDR) would cost without bound.
 */
const MAX_PARAMETER_SETS = 64;

export interface HevcConfig {
  readonly generalProfileSpace: number;
  readonly generalTierFlag: number;
  readonly generalProfileIdc: number;
  readonly generalProfileCompatibilityFlags: number;
  /** The 6 bytes of general_constraint_indicator_flags. */
  readonly generalConstraintIndicatorFlags: Uint8Array;
  readonly generalLevelIdc: number;
  readonly nalLengthSize: number;
  readonly vps: Uint8Array[];
  readonly sps: Uint8Array[];
  readonly pps: Uint8Array[];
}

export function parseHvcC(hvcC: Box): HevcConfig {
  const cursor = new ByteCursor(hvcC.payload, hvcC.path, 'MP4_BAD_CODEC_CONFIG');
  const configurationVersion = cursor.u8(); // configurationVersion
  if (configurationVersion !== 1) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${hvcC.path}: configurationVersion ${configurationVersion} is not 1`, { configurationVersion });
  }
  const profileByte = cursor.u8(); // general_profile_space (2), general_tier_flag (1), general_profile_idc (5)
  const generalProfileCompatibilityFlags = cursor.u32(); // general_profile_compatibility_flags
  const generalConstraintIndicatorFlags = cursor.take(6, 'general_constraint_indicator_flags').slice();
  const generalLevelIdc = cursor.u8(); // general_level_idc
  cursor.skip(2); // reserved (4) + min_spatial_segmentation_idc (12)
  cursor.skip(1); // reserved (6) + parallelismType (2)
  cursor.skip(1); // reserved (6) + chromaFormat (2)
  cursor.skip(1); // reserved (5) + bitDepthLumaMinus8 (3)
  cursor.skip(1); // reserved (5) + bitDepthChromaMinus8 (3)
  cursor.skip(2); // avgFrameRate
  const nalLengthSize = (cursor.u8() & 0x03) + 1; // constantFrameRate (2), numTemporalLayers (3), temporalIdNested (1), lengthSizeMinusOne (2)
  checkNalLengthSize(hvcC.path, nalLengthSize);
  const sets = readArrays(cursor);
  return {
    generalProfileSpace: profileByte >> 6,
    generalTierFlag: (profileByte >> 5) & 0x01,
    generalProfileIdc: profileByte & 0x1f,
    generalProfileCompatibilityFlags,
    generalConstraintIndicatorFlags,
    generalLevelIdc,
    nalLengthSize,
    ...sets,
  };
}

function readArrays(cursor: ByteCursor): { vps: Uint8Array[]; sps: Uint8Array[]; pps: Uint8Array[] } {
  const vps: Uint8Array[] = [];
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  const numOfArrays = cursor.u8(); // numOfArrays
  for (let i = 0; i < numOfArrays; i++) {
    const nalUnitType = cursor.u8() & 0x3f; // array_completeness (1), reserved (1), NAL_unit_type (6)
    const numNalus = cursor.u16(); // numNalus
    if (vps.length + sps.length + pps.length + numNalus > MAX_PARAMETER_SETS * 3) {
      throw mp4Error('MP4_BAD_CODEC_CONFIG', `${cursor.where}: more than ${MAX_PARAMETER_SETS * 3} NAL units in the parameter set arrays`, { numNalus });
    }
    for (let n = 0; n < numNalus; n++) {
      const length = cursor.u16(); // nalUnitLength
      const nal = cursor.take(length, 'nalUnit').slice();
      if (nalUnitType === NAL_VPS) vps.push(nal);
      else if (nalUnitType === NAL_SPS) sps.push(nal);
      else if (nalUnitType === NAL_PPS) pps.push(nal);
      // SEI arrays are not needed to decode and are left out.
    }
  }
  return { vps, sps, pps };
}
