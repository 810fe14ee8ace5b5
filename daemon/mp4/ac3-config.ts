// Parses dac3 and dec3 (ETSI TS 102 366 Annex F.4 and F.6): sample rate and channel count of AC-3 / E-AC-3.

import { mp4Error } from '../errors.js';
import type { Box } from './boxes.js';

/** fscod → Hz (ETSI TS 102 366 Table 4.1); 3 is reserved in AC-3 and means "reduced rate" in E-AC-3. */
const SAMPLE_RATES_BY_FSCOD = [48000, 44100, 32000];
/** Full-bandwidth channels per acmod (Table 4.3); acmod 0 is dual mono, two channels. */
const CHANNELS_BY_ACMOD = [2, 1, 2, 3, 3, 4, 4, 5];

export interface Ac3Info {
  /** undefined when the rate is not signalled here (E-AC-3 reduced rates): take the sample entry's. */
  readonly sampleRate?: number;
  readonly channelCount: number;
}

function bitsAt(bytes: Uint8Array, bitOffset: number, bitCount: number): number {
  let value = 0;
  for (let i = bitOffset; i < bitOffset + bitCount; i++) value = value * 2 + ((bytes[i >> 3] >> (7 - (i & 7))) & 1);
  return value;
}

function needBytes(box: Box, bytes: number): void {
  if (box.payload.length < bytes) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${box.path}: ${box.payload.length} bytes, at least ${bytes} needed`, { where: box.path });
  }
}

/** dac3: fscod (2), bsid (5), bsmod (3), acmod (3), lfeon (1), bit_rate_code (5), reserved (5). */
export function parseDac3(dac3: Box): Ac3Info {
  needBytes(dac3, 3);
  const fscod = bitsAt(dac3.payload, 0, 2);
  const acmod = bitsAt(dac3.payload, 10, 3);
  const lfeon = bitsAt(dac3.payload, 13, 1);
  const sampleRate = SAMPLE_RATES_BY_FSCOD[fscod];
  if (sampleRate === undefined) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${dac3.path}: fscod ${fscod} is reserved`, { fscod });
  }
  return { sampleRate, channelCount: CHANNELS_BY_ACMOD[acmod] + lfeon };
}

/**
 * dec3: data_rate (13), num_ind_sub (3), then per independent substream fscod (2), bsid (5),
 * reserved (1), asvc (1), bsmod (3), acmod (3), lfeon (1), ... We describe the first independent
 * substream, the one every E-AC-3 decoder plays.
 */
export function parseDec3(dec3: Box): Ac3Info {
  needBytes(dec3, 5);
  const fscod = bitsAt(dec3.payload, 16, 2);
  const acmod = bitsAt(dec3.payload, 16 + 2 + 5 + 1 + 1 + 3, 3);
  const lfeon = bitsAt(dec3.payload, 16 + 2 + 5 + 1 + 1 + 3 + 3, 1);
  return { sampleRate: SAMPLE_RATES_BY_FSCOD[fscod], channelCount: CHANNELS_BY_ACMOD[acmod] + lfeon };
}
