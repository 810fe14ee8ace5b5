// A legal MP4 whose moov is huge: an audio track with millions of explicitly sized samples (a large stsz).

import { writeFileSync } from 'node:fs';
import { box, bytes, fourcc, fullBox, u16, u32, u8, zeros } from './boxes.js';
import { mp4aEntry } from './mp4-builder.js';

/** stsz with one explicit 4-byte size per sample, all 1 byte (ISO/IEC 14496-12 §8.7.3.2). */
function stszOfOnes(sampleCount: number): Uint8Array {
  const entries = new Uint8Array(sampleCount * 4);
  for (let i = 0; i < sampleCount; i++) entries[i * 4 + 3] = 1;
  return fullBox('stsz', 0, 0, u32(0), u32(sampleCount), entries);
}

function moov(sampleCount: number, chunkOffset: number, sampleTicks: number): Uint8Array {
  const timescale = 48_000;
  const duration = Math.min(sampleCount * sampleTicks, 0xffffffff);
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), mp4aEntry()),
    fullBox('stts', 0, 0, u32(1), u32(sampleCount), u32(sampleTicks)),
    fullBox('stsc', 0, 0, u32(1), u32(1), u32(sampleCount), u32(1)),
    stszOfOnes(sampleCount),
    fullBox('stco', 0, 0, u32(1), u32(chunkOffset)),
  );
  const trak = box(
    'trak',
    fullBox('tkhd', 0, 3, u32(0), u32(0), u32(1), u32(0), u32(Math.floor(duration / 48)), zeros(60), u32(0), u32(0)),
    box(
      'mdia',
      fullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(duration), u16(0x55c4), u16(0)),
      fullBox('hdlr', 0, 0, u32(0), fourcc('soun'), zeros(12), u8(0)),
      box('minf', stbl),
    ),
  );
  return box('moov', fullBox('mvhd', 0, 0, u32(0), u32(0), u32(1000), u32(0), u32(0x00010000), u16(0x0100), zeros(10), zeros(36), zeros(24), u32(2)), trak);
}

/**
 * Writes ftyp, an mdat of `sampleCount` bytes, then the moov describing them: `sampleCount * 4` bytes of stsz.
 * Each sample lasts `sampleTicks` of 48 kHz (an AAC frame by default; longer ones make one segment each).
 */
export function writeHugeMoovMovie(file: string, sampleCount: number, sampleTicks = 1024): void {
  const ftyp = box('ftyp', fourcc('isom'), u32(0x200), fourcc('isomiso2mp41'));
  const mdatHeader = bytes(u32(8 + sampleCount), fourcc('mdat'));
  const payloadStart = ftyp.length + mdatHeader.length;
  writeFileSync(file, bytes(ftyp, mdatHeader, new Uint8Array(sampleCount), moov(sampleCount, payloadStart, sampleTicks)));
}
