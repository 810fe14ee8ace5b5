// MP4 files crafted to make a packager do unbounded work: sample floods, box floods, overlapping samples.

import { box, bytes, fourcc, fullBox, u16, u32, u8, zeros } from './boxes.js';
import { esds, mp4aEntry } from './mp4-builder.js';

export interface HostileFile {
  /** The bytes to write; the file is then extended with zeros (sparse) to `sizeBytes`. */
  readonly bytes: Uint8Array;
  readonly sizeBytes: number;
}

const AUDIO_TIMESCALE = 48000;
const ftyp = () => box('ftyp', fourcc('isom'), u32(0x200), fourcc('isomiso2mp41'));
const mvhd = () => fullBox('mvhd', 0, 0, u32(0), u32(0), u32(1000), u32(0), u32(0x00010000), u16(0x0100), zeros(10), zeros(36), zeros(24), u32(2));

interface AudioTables {
  readonly sampleCount: number;
  readonly sampleBytes: number;
  readonly sampleTicks: number;
  /** One chunk per entry, each holding `sampleCount / chunkOffsets.length` samples. */
  readonly chunkOffsets: readonly number[];
  readonly sampleEntry?: Uint8Array;
}

/** One audio trak with constant sample size and duration, its tables written directly (no per-sample objects). */
function audioTrak(tables: AudioTables): Uint8Array {
  const perChunk = tables.sampleCount / tables.chunkOffsets.length;
  const stco = new Uint8Array(tables.chunkOffsets.length * 4);
  const view = new DataView(stco.buffer);
  tables.chunkOffsets.forEach((offset, i) => view.setUint32(4 * i, offset));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), tables.sampleEntry ?? mp4aEntry()),
    fullBox('stts', 0, 0, u32(1), u32(tables.sampleCount), u32(tables.sampleTicks)),
    fullBox('stsc', 0, 0, u32(1), u32(1), u32(perChunk), u32(1)),
    fullBox('stsz', 0, 0, u32(tables.sampleBytes), u32(tables.sampleCount)),
    fullBox('stco', 0, 0, u32(tables.chunkOffsets.length), stco),
  );
  return box(
    'trak',
    fullBox('tkhd', 0, 3, u32(0), u32(0), u32(1), u32(0), u32(0), zeros(60), u32(0), u32(0)),
    box(
      'mdia',
      fullBox('mdhd', 0, 0, u32(0), u32(0), u32(AUDIO_TIMESCALE), u32(0), u16(0x55c4), u16(0)),
      fullBox('hdlr', 0, 0, u32(0), fourcc('soun'), zeros(12), u8(0)),
      box('minf', stbl),
    ),
  );
}

/** ftyp, moov, then an mdat that runs to the end of the file (size 0), whose payload starts at the returned offset. */
function fileWith(moovChildren: Uint8Array[]): { head: Uint8Array; mdatPayloadAt: number } {
  const head = bytes(ftyp(), box('moov', mvhd(), ...moovChildren), u32(0), fourcc('mdat'));
  return { head, mdatPayloadAt: head.length };
}

/**
 * An audio-only file whose stsz declares `sampleCount` one-byte samples of 10 s each (by default), in one chunk:
 * a few KB on disk, `sampleCount` bytes logical, and one segment per sample (a playlist of millions).
 */
export function sampleFlood(sampleCount = 4_000_000, sampleTicks = 10 * AUDIO_TIMESCALE): HostileFile {
  const tables = (chunkAt: number) => ({ sampleCount, sampleBytes: 1, sampleTicks, chunkOffsets: [chunkAt] });
  const probe = fileWith([audioTrak(tables(0))]);
  const { head, mdatPayloadAt } = fileWith([audioTrak(tables(probe.mdatPayloadAt))]);
  return { bytes: head, sizeBytes: mdatPayloadAt + sampleCount };
}

/** A valid one-track moov padded with `count` empty `free` boxes (8 bytes each). */
export function freeBoxFlood(count = 3_000_000): HostileFile {
  const frees = new Uint8Array(count * 8);
  const view = new DataView(frees.buffer);
  const free = Uint8Array.from(fourcc('free'));
  for (let i = 0; i < count; i++) {
    view.setUint32(8 * i, 8);
    frees.set(free, 8 * i + 4);
  }
  const tables = (chunkAt: number) => ({ sampleCount: 100, sampleBytes: 10, sampleTicks: 1024, chunkOffsets: [chunkAt] });
  const probe = fileWith([audioTrak(tables(0)), frees]);
  const { head, mdatPayloadAt } = fileWith([audioTrak(tables(probe.mdatPayloadAt)), frees]);
  return { bytes: head, sizeBytes: mdatPayloadAt + 1000 };
}

/**
 * `sampleCount` MP3 samples of `sampleBytes` each, one per chunk, every chunk at the same offset:
 * about 120 KB on disk that would be packaged into sampleCount × sampleBytes (800 MB) of segments.
 */
export function overlappingSamples(sampleCount = 20_000, sampleBytes = 40_000): HostileFile {
  const mp3Entry = mp4aEntry(2, 48000, esds(0x6b));
  const tables = (chunkAt: number) => ({ sampleCount, sampleBytes, sampleTicks: 1152, chunkOffsets: new Array<number>(sampleCount).fill(chunkAt), sampleEntry: mp3Entry });
  const probe = fileWith([audioTrak(tables(0))]);
  const { head, mdatPayloadAt } = fileWith([audioTrak(tables(probe.mdatPayloadAt))]);
  return { bytes: head, sizeBytes: mdatPayloadAt + sampleBytes };
}
