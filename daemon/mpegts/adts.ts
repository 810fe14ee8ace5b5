// ADTS headers for raw AAC frames, built from the AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1 and Annex 1.A).

import { mp4Error } from '../errors.js';
import { parseAudioSpecificConfig, SAMPLING_FREQUENCIES } from '../mp4/audio-specific-config.js';
import { BitWriter } from './bit-writer.js';

/** Bytes of an ADTS header without CRC (protection_absent = 1). */
export const ADTS_HEADER_BYTES = 7;
/** aac_frame_length is 13 bits and counts the header. */
const MAX_ADTS_FRAME_BYTES = 0x1fff;
/** ADTS profile_ObjectType is 2 bits: object types 1 (Main) to 4 (LTP) only. */
const MAX_ADTS_OBJECT_TYPE = 4;
/** ADTS channel_configuration is 3 bits; 0 would need a program_config_element in the stream. */
const MAX_ADTS_CHANNEL_CONFIGURATION = 7;

/** The fields ADTS repeats from the AudioSpecificConfig. */
export interface AdtsConfig {
  /** Object type of the AAC core (2 for AAC-LC, also under HE-AAC's SBR and PS). */
  readonly coreObjectType: number;
  /** samplingFrequencyIndex of the core: half the output rate for HE-AAC. */
  readonly samplingFrequencyIndex: number;
  readonly channelConfiguration: number;
}

function badConfig(message: string, asc: Uint8Array) {
  return mp4Error('MP4_BAD_CODEC_CONFIG', message, { audioSpecificConfig: Buffer.from(asc).toString('hex') });
}

/**
 * The ADTS fields from the AudioSpecificConfig, as the MP4 reader parses it. With explicit HE-AAC
 * signalling (object type 5 or 29) the parsed rate and object type already are the core's; with
 * implicit signalling the config is plain AAC-LC. Either way ADTS signals AAC-LC at the core rate and
 * decoders find SBR/PS in the stream.
 */
export function adtsConfigOf(asc: Uint8Array | undefined): AdtsConfig {
  if (!asc || asc.length < 2) throw badConfig('AAC track has no usable AudioSpecificConfig', asc ?? new Uint8Array());
  const { coreObjectType, sampleRate, channelConfiguration } = parseAudioSpecificConfig(asc);
  // An explicit frequency is expressible only when it is one of the listed ones.
  const samplingFrequencyIndex = SAMPLING_FREQUENCIES.indexOf(sampleRate);
  if (samplingFrequencyIndex < 0) {
    throw mp4Error('MP4_UNSUPPORTED_CODEC', 'AAC sampling frequency has no ADTS index', { audioSpecificConfig: Buffer.from(asc).toString('hex') });
  }
  if (coreObjectType < 1 || coreObjectType > MAX_ADTS_OBJECT_TYPE) {
    throw mp4Error('MP4_UNSUPPORTED_CODEC', `AAC object type ${coreObjectType} cannot be carried in ADTS`, { objectType: coreObjectType });
  }
  if (channelConfiguration < 1 || channelConfiguration > MAX_ADTS_CHANNEL_CONFIGURATION) {
    throw mp4Error('MP4_UNSUPPORTED_CODEC', `AAC channel configuration ${channelConfiguration} cannot be carried in ADTS`, { channelConfiguration });
  }
  return { coreObjectType, samplingFrequencyIndex, channelConfiguration };
}

/** The 7 header bytes with aac_frame_length left 0; `writeAdtsHeader` stamps the length of each frame. */
export function adtsTemplate(config: AdtsConfig): Uint8Array {
  const header = new Uint8Array(ADTS_HEADER_BYTES);
  new BitWriter(header)
    // adts_fixed_header
    .put(12, 0xfff) // syncword
    .put(1, 0) // ID: MPEG-4
    .put(2, 0) // layer
    .put(1, 1) // protection_absent: no CRC
    .put(2, config.coreObjectType - 1) // profile_ObjectType
    .put(4, config.samplingFrequencyIndex) // sampling_frequency_index
    .put(1, 0) // private_bit
    .put(3, config.channelConfiguration) // channel_configuration
    .put(1, 0) // original_copy
    .put(1, 0) // home
    // adts_variable_header
    .put(1, 0) // copyright_identification_bit
    .put(1, 0) // copyright_identification_start
    .put(13, 0) // aac_frame_length, stamped per frame
    .put(11, 0x7ff) // adts_buffer_fullness: variable bit rate
    .put(2, 0); // number_of_raw_data_blocks_in_frame: one raw data block
  return header;
}

/** Copies the template to `offset` with aac_frame_length set for a raw frame of `rawBytes`. */
export function writeAdtsHeader(template: Uint8Array, rawBytes: number, out: Uint8Array, offset: number): void {
  const frameBytes = rawBytes + ADTS_HEADER_BYTES;
  if (frameBytes > MAX_ADTS_FRAME_BYTES) {
    throw mp4Error('MP4_BAD_SAMPLE', 'AAC frame is too large for an ADTS header', { rawBytes });
  }
  out.set(template, offset);
  // aac_frame_length straddles bytes 3..5: 2 bits, 8 bits, 3 bits (frameBytes < 2^13, so bit operators are safe)
  out[offset + 3] = (template[3] & 0xfc) | (frameBytes >> 11);
  out[offset + 4] = (frameBytes >> 3) & 0xff;
  out[offset + 5] = ((frameBytes & 0x07) << 5) | (template[5] & 0x1f);
}
