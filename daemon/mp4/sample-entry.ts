// Reads the first sample entry of stsd (ISO/IEC 14496-12 §8.5.2) into codec, dimensions or rate, and the codec config.

import { mp4Error } from '../errors.js';
import { ByteCursor, readUint16, readUint32 } from './bytes.js';
import { childBoxes, findChild, type Box } from './boxes.js';
import { FourCC } from './fourcc.js';
import { parseAvcC } from './avc-config.js';
import { parseHvcC } from './hevc-config.js';
import { avcCodecString, hevcCodecString } from './codec-string.js';
import { parseMp4aEntry } from './mp4a-entry.js';
import { parseDac3, parseDec3 } from './ac3-config.js';
import { AC3_CODEC_STRING, EAC3_CODEC_STRING } from './codec-string.js';
import type { AudioEntry, VideoEntry } from './types.js';
import { configBoxOf } from './config-box.js';

/** SampleEntry (8) + VisualSampleEntry fields up to and including pre_defined (§12.1.3.2): 78 bytes. */
const VISUAL_ENTRY_FIELDS_BYTES = 78;
/** SampleEntry (8) + AudioSampleEntry fields (§12.2.3.2): 28 bytes; QuickTime sound description v1 adds 16, v2 adds 36. */
const AUDIO_ENTRY_FIELDS_BYTES = [28, 44, 64];

/** The first entry of stsd: entry_count (32) then SampleEntry boxes. */
export function firstSampleEntry(stsd: Box): Box {
  const cursor = new ByteCursor(stsd.payload, stsd.path);
  cursor.fullBoxHeader();
  const entryCount = cursor.u32(); // entry_count
  const entry = entryCount > 0 ? childBoxes(stsd, 8)[0] : undefined;
  if (!entry) throw mp4Error('MP4_BAD_BOX', `${stsd.path}: no sample entry`, { where: stsd.path, entryCount });
  return entry;
}

export function unsupportedCodec(kind: 'video' | 'audio', name: string, supported: string): never {
  throw mp4Error('MP4_UNSUPPORTED_CODEC', `${kind} codec '${name}' cannot be packaged into MPEG-TS (supported: ${supported})`, {
    kind,
    codec: name,
  });
}

function requireConfig(entry: Box, type: string, skipBytes: number): Box {
  const config = findChild(entry, type, skipBytes);
  if (!config) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${entry.path}: the '${type}' configuration box is missing`, { where: entry.path, type });
  }
  return config;
}

export function parseVideoEntry(entry: Box): VideoEntry {
  if (entry.payload.length < VISUAL_ENTRY_FIELDS_BYTES) {
    throw mp4Error('MP4_BAD_BOX', `${entry.path}: the visual sample entry is too short`, { where: entry.path });
  }
  const width = readUint16(entry.payload, 24); // width
  const height = readUint16(entry.payload, 26); // height
  if (entry.type === FourCC.avc1 || entry.type === FourCC.avc3) {
    const box = requireConfig(entry, FourCC.avcC, VISUAL_ENTRY_FIELDS_BYTES);
    const config = parseAvcC(box);
    return { codec: 'avc', width, height, vps: [], ...config, codecString: avcCodecString(config), configBox: configBoxOf(entry, box) };
  }
  if (entry.type === FourCC.hvc1 || entry.type === FourCC.hev1) {
    const box = requireConfig(entry, FourCC.hvcC, VISUAL_ENTRY_FIELDS_BYTES);
    const config = parseHvcC(box);
    return { codec: 'hevc', width, height, ...config, codecString: hevcCodecString(config), configBox: configBoxOf(entry, box) };
  }
  return unsupportedCodec('video', entry.type, 'avc1, avc3, hvc1, hev1');
}

/** Where an audio entry's child boxes start, by QuickTime sound description version (0 in ISO files). */
function audioFieldsBytes(entry: Box): number {
  if (entry.payload.length < AUDIO_ENTRY_FIELDS_BYTES[0]) {
    throw mp4Error('MP4_BAD_BOX', `${entry.path}: the audio sample entry is too short`, { where: entry.path });
  }
  const version = readUint16(entry.payload, 8); // reserved in ISO; QuickTime's sound description version
  const fieldsBytes = AUDIO_ENTRY_FIELDS_BYTES[version] ?? AUDIO_ENTRY_FIELDS_BYTES[0];
  if (entry.payload.length < fieldsBytes) {
    throw mp4Error('MP4_BAD_BOX', `${entry.path}: the version ${version} sound description is too short`, { where: entry.path });
  }
  return fieldsBytes;
}

export function parseAudioEntry(entry: Box): AudioEntry {
  const fieldsBytes = audioFieldsBytes(entry);
  const channelCount = readUint16(entry.payload, 16); // channelcount
  const sampleRate = readUint32(entry.payload, 24) / 65536; // samplerate, 16.16 fixed point
  const declared = { channelCount, sampleRate: Math.round(sampleRate) };
  if (entry.type === FourCC.mp4a) return parseMp4aEntry(entry, fieldsBytes, declared);
  if (entry.type === FourCC.ac3) {
    const box = requireConfig(entry, FourCC.dac3, fieldsBytes);
    const info = parseDac3(box);
    const configBox = configBoxOf(entry, box);
    return { codec: 'ac3', sampleRate: info.sampleRate ?? declared.sampleRate, channelCount: info.channelCount, codecString: AC3_CODEC_STRING, configBox };
  }
  if (entry.type === FourCC.ec3) {
    const box = requireConfig(entry, FourCC.dec3, fieldsBytes);
    const info = parseDec3(box);
    const configBox = configBoxOf(entry, box);
    return { codec: 'eac3', sampleRate: info.sampleRate ?? declared.sampleRate, channelCount: info.channelCount, codecString: EAC3_CODEC_STRING, configBox };
  }
  return unsupportedCodec('audio', entry.type, 'mp4a (AAC, MP3), ac-3, ec-3');
}
