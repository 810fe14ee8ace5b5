// Parses the MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1) far enough to know the object type, rate and channels.

import { mp4Error } from '../errors.js';

/** samplingFrequencyIndex → Hz (ISO/IEC 14496-3 Table 1.18); 0xF means a 24-bit explicit rate follows. */
export const SAMPLING_FREQUENCIES: readonly number[] = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
const EXPLICIT_FREQUENCY_INDEX = 0x0f;
/** audioObjectType escape: 31 means 32 + a 6-bit extension. */
const OBJECT_TYPE_ESCAPE = 31;
/** SBR (HE-AAC) and PS (HE-AAC v2): explicit hierarchical signalling of the core (Table 1.15). */
export const AOT_SBR = 5;
export const AOT_PS = 29;

export interface AudioSpecificConfig {
  /** The signalled object type: 2 for AAC-LC, 5 for HE-AAC, 29 for HE-AAC v2. */
  readonly audioObjectType: number;
  /** The core codec's object type (2 for HE-AAC's AAC-LC core); equals audioObjectType without SBR/PS. */
  readonly coreObjectType: number;
  /** The core's sampling rate (half the output rate with SBR). */
  readonly sampleRate: number;
  /** 1–7 per Table 1.19; 0 means a program_config_element defines the channels. */
  readonly channelConfiguration: number;
}

class BitReader {
  private bitPos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  read(bitCount: number): number {
    let value = 0;
    for (let i = 0; i < bitCount; i++) {
      const byteIndex = this.bitPos >> 3;
      if (byteIndex >= this.bytes.length) {
        throw mp4Error('MP4_BAD_CODEC_CONFIG', 'the AudioSpecificConfig is shorter than its fields', { bytes: this.bytes.length });
      }
      value = value * 2 + ((this.bytes[byteIndex] >> (7 - (this.bitPos & 7))) & 1);
      this.bitPos++;
    }
    return value;
  }
}

function readObjectType(bits: BitReader): number {
  const objectType = bits.read(5); // audioObjectType
  return objectType === OBJECT_TYPE_ESCAPE ? 32 + bits.read(6) : objectType; // audioObjectTypeExt
}

function readFrequency(bits: BitReader): number {
  const index = bits.read(4); // samplingFrequencyIndex
  if (index === EXPLICIT_FREQUENCY_INDEX) return bits.read(24); // samplingFrequency
  const frequency = SAMPLING_FREQUENCIES[index];
  if (frequency === undefined) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `samplingFrequencyIndex ${index} is reserved`, { samplingFrequencyIndex: index });
  }
  return frequency;
}

export function parseAudioSpecificConfig(bytes: Uint8Array): AudioSpecificConfig {
  const bits = new BitReader(bytes);
  const audioObjectType = readObjectType(bits);
  const sampleRate = readFrequency(bits);
  const channelConfiguration = bits.read(4); // channelConfiguration
  let coreObjectType = audioObjectType;
  if (audioObjectType === AOT_SBR || audioObjectType === AOT_PS) {
    readFrequency(bits); // extensionSamplingFrequencyIndex: the SBR output rate
    coreObjectType = readObjectType(bits); // the core, normally AAC-LC
  }
  return { audioObjectType, coreObjectType, sampleRate, channelConfiguration };
}
