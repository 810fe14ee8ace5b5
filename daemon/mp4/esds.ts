// Parses the esds box's ES_Descriptor (ISO/IEC 14496-1 §7.2.6.5, §7.2.6.6): objectTypeIndication and DecoderSpecificInfo.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import type { Box } from './boxes.js';

/** Descriptor tags (ISO/IEC 14496-1 Table 1). */
const ES_DESCR_TAG = 0x03;
const DECODER_CONFIG_DESCR_TAG = 0x04;
const DEC_SPECIFIC_INFO_TAG = 0x05;

export interface EsdsInfo {
  readonly objectTypeIndication: number;
  /** The AudioSpecificConfig for MPEG-4 audio; absent for MP3. */
  readonly decoderSpecificInfo?: Uint8Array;
}

/** Descriptor length: up to four bytes, 7 bits each, high bit = "another byte follows" (§8.3.3). */
function readDescriptorHeader(cursor: ByteCursor): { tag: number; sizeBytes: number } {
  const tag = cursor.u8();
  let sizeBytes = 0;
  for (let i = 0; i < 4; i++) {
    const byte = cursor.u8();
    sizeBytes = sizeBytes * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) break;
  }
  return { tag, sizeBytes };
}

function expectTag(where: string, tag: number, expected: number): void {
  if (tag !== expected) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', `${where}: descriptor tag 0x${tag.toString(16)} where 0x${expected.toString(16)} was expected`, {
      tag,
      expected,
    });
  }
}

export function parseEsds(esds: Box): EsdsInfo {
  const cursor = new ByteCursor(esds.payload, esds.path, 'MP4_BAD_CODEC_CONFIG');
  cursor.fullBoxHeader();
  expectTag(esds.path, readDescriptorHeader(cursor).tag, ES_DESCR_TAG);
  cursor.u16(); // ES_ID
  const flags = cursor.u8(); // streamDependenceFlag (1), URL_Flag (1), OCRstreamFlag (1), streamPriority (5)
  if (flags & 0x80) cursor.u16(); // dependsOn_ES_ID
  if (flags & 0x40) cursor.skip(cursor.u8()); // URLlength, URLstring
  if (flags & 0x20) cursor.u16(); // OCR_ES_Id
  expectTag(esds.path, readDescriptorHeader(cursor).tag, DECODER_CONFIG_DESCR_TAG);
  const objectTypeIndication = cursor.u8(); // objectTypeIndication
  cursor.u8(); // streamType (6), upStream (1), reserved (1)
  cursor.u24(); // bufferSizeDB
  cursor.u32(); // maxBitrate
  cursor.u32(); // avgBitrate
  if (cursor.remaining < 2) return { objectTypeIndication };
  const next = readDescriptorHeader(cursor);
  if (next.tag !== DEC_SPECIFIC_INFO_TAG) return { objectTypeIndication };
  return { objectTypeIndication, decoderSpecificInfo: cursor.take(next.sizeBytes, 'DecoderSpecificInfo').slice() };
}
