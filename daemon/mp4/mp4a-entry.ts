// The mp4a sample entry: esds → AAC (with its AudioSpecificConfig) or MP3, by objectTypeIndication (ISO/IEC 14496-14 §5.6).

import { mp4Error } from '../errors.js';
import { findChild, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';
import { parseEsds } from './esds.js';
import { AOT_PS, AOT_SBR, parseAudioSpecificConfig } from './audio-specific-config.js';
import { MP3_CODEC_STRING, mpeg4AudioCodecString, objectTypeCodecString } from './codec-string.js';
import type { AudioEntry } from './types.js';
import { configBoxOf } from './config-box.js';

/** objectTypeIndication values (ISO/IEC 14496-1 Table 5, registered at mp4ra.org). */
const OTI_MPEG4_AUDIO = 0x40;
const OTI_MPEG2_AAC = [0x66, 0x67, 0x68];
const OTI_MPEG2_AUDIO = 0x69;
const OTI_MPEG1_AUDIO = 0x6b;
/** Channel count by channelConfiguration (ISO/IEC 14496-3 Table 1.19); 0 = defined by a PCE. */
const CHANNELS_BY_CONFIGURATION = [0, 1, 2, 3, 4, 5, 6, 8];
/** ADTS carries the object type in a 2-bit profile field (profile = object type - 1), so only 1–4 fit. */
const ADTS_OBJECT_TYPES = new Set([1, 2, 3, 4]);

interface Declared {
  readonly channelCount: number;
  readonly sampleRate: number;
}

/** QuickTime files nest esds inside a 'wave' box; ISO files put it directly in the entry. */
function findEsds(entry: Box, fieldsBytes: number): Box {
  const direct = findChild(entry, FourCC.esds, fieldsBytes);
  if (direct) return direct;
  const wave = findChild(entry, FourCC.wave, fieldsBytes);
  const nested = wave ? findChild(wave, FourCC.esds) : undefined;
  if (!nested) throw mp4Error('MP4_BAD_CODEC_CONFIG', `${entry.path}: the 'esds' box is missing`, { where: entry.path });
  return nested;
}

export function parseMp4aEntry(entry: Box, fieldsBytes: number, declared: Declared): AudioEntry {
  const esdsBox = findEsds(entry, fieldsBytes);
  const esds = parseEsds(esdsBox);
  const configBox = configBoxOf(entry, esdsBox);
  const oti = esds.objectTypeIndication;
  if (oti === OTI_MPEG1_AUDIO || oti === OTI_MPEG2_AUDIO) {
    return { codec: 'mp3', ...declared, codecString: MP3_CODEC_STRING, configBox };
  }
  if (oti !== OTI_MPEG4_AUDIO && !OTI_MPEG2_AAC.includes(oti)) {
    throw mp4Error('MP4_UNSUPPORTED_CODEC', `audio codec 'mp4a' with objectTypeIndication 0x${oti.toString(16)} cannot be packaged into MPEG-TS`, {
      kind: 'audio',
      codec: 'mp4a',
      objectTypeIndication: oti,
    });
  }
  const asc = esds.decoderSpecificInfo;
  if (!asc || asc.length < 2) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${entry.path}: AAC without an AudioSpecificConfig`, { where: entry.path });
  }
  const config = parseAudioSpecificConfig(asc);
  if (!ADTS_OBJECT_TYPES.has(config.coreObjectType)) {
    throw mp4Error('MP4_UNSUPPORTED_CODEC', `audio codec 'mp4a.40.${config.audioObjectType}' cannot be carried as ADTS in MPEG-TS`, {
      kind: 'audio',
      codec: `mp4a.40.${config.audioObjectType}`,
    });
  }
  // HE-AAC keeps its signalled type in the codec string (mp4a.40.5 / .29); the ASC tells the muxer the core.
  const hasExtension = config.audioObjectType === AOT_SBR || config.audioObjectType === AOT_PS;
  return {
    codec: 'aac',
    sampleRate: config.sampleRate,
    channelCount: CHANNELS_BY_CONFIGURATION[config.channelConfiguration] || declared.channelCount,
    audioSpecificConfig: asc,
    codecString: oti === OTI_MPEG4_AUDIO || hasExtension ? mpeg4AudioCodecString(config.audioObjectType) : objectTypeCodecString(oti),
    configBox,
  };
}
