// Parses the AVCDecoderConfigurationRecord (avcC, ISO/IEC 14496-15 §5.3.3.1): profile, level, NAL length size, SPS/PPS.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import type { Box } from './boxes.js';

export interface AvcConfig {
  readonly profileIndication: number;
  readonly profileCompatibility: number;
  readonly levelIndication: number;
  readonly nalLengthSize: number;
  readonly sps: Uint8Array[];
  readonly pps: Uint8Array[];
}

export function parseAvcC(avcC: Box): AvcConfig {
  const cursor = new ByteCursor(avcC.payload, avcC.path, 'MP4_BAD_CODEC_CONFIG');
  const configurationVersion = cursor.u8(); // configurationVersion
  if (configurationVersion !== 1) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${avcC.path}: configurationVersion ${configurationVersion} is not 1`, { configurationVersion });
  }
  const profileIndication = cursor.u8(); // AVCProfileIndication
  const profileCompatibility = cursor.u8(); // profile_compatibility
  const levelIndication = cursor.u8(); // AVCLevelIndication
  const nalLengthSize = (cursor.u8() & 0x03) + 1; // reserved (6) + lengthSizeMinusOne (2)
  checkNalLengthSize(avcC.path, nalLengthSize);
  const spsCount = cursor.u8() & 0x1f; // reserved (3) + numOfSequenceParameterSets (5)
  const sps = readParameterSets(cursor, spsCount);
  const ppsCount = cursor.u8(); // numOfPictureParameterSets
  const pps = readParameterSets(cursor, ppsCount);
  // High-profile chroma/bit-depth extensions may follow; the muxer needs none of them.
  return { profileIndication, profileCompatibility, levelIndication, nalLengthSize, sps, pps };
}

/** Each parameter set is a 16-bit length then the NAL unit; copied so the moov buffer can be released. */
function readParameterSets(cursor: ByteCursor, count: number): Uint8Array[] {
  const sets: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const length = cursor.u16(); // sequence/pictureParameterSetLength
    sets.push(cursor.take(length, 'parameter set').slice());
  }
  return sets;
}

/** lengthSizeMinusOne allows 1, 2 or 4 bytes (ISO/IEC 14496-15 §5.3.3.2; 3 is not a permitted size). */
export function checkNalLengthSize(where: string, nalLengthSize: number): void {
  if (nalLengthSize === 3) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${where}: a NAL unit length size of 3 bytes is not permitted`, { nalLengthSize });
  }
}
