// Parsers for the sample table boxes (ISO/IEC 14496-12 §8.6–8.7): each checks its entry count against its size.

import { mp4Error } from '../errors.js';
import { ByteCursor, readUint64 } from './bytes.js';
import type { Box } from './boxes.js';
import { FourCC } from './fourcc.js';

/** 2^25 samples is ~155 hours of 60 fps video; larger counts are corrupt and would exhaust memory. */
export const MAX_SAMPLES = 1 << 25;

/**
 * Opens a full box and checks that `entryCount` entries of `entryBytes` fit in what is left; the
 * entries are then read through a DataView without further checks (tables have 10^5–10^6 entries).
 */
function openTable(box: Box, entryBytes: number): { entries: DataView; entryCount: number } {
  const cursor = new ByteCursor(box.payload, box.path);
  cursor.fullBoxHeader();
  const entryCount = cursor.u32();
  checkFits(box, cursor, entryCount, entryBytes);
  return { entries: tableView(cursor, entryCount * entryBytes), entryCount };
}

function tableView(cursor: ByteCursor, byteLength: number): DataView {
  const table = cursor.take(byteLength, 'table entries');
  return new DataView(table.buffer, table.byteOffset, table.byteLength);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A table of big-endian 32-bit fields as host-order words: one copy and a native byte swap
 * (Buffer#swap32) instead of a DataView call per field. Tables run to 10^5 entries (stsz, stco, and
 * stsc when every chunk differs); a per-field loop is slow until the optimising compiler takes it, which
 * the first request for a large source paid (4-5 ms for one 47,000-entry stsc).
 */
function wordsOf(entries: DataView): Uint32Array {
  const words = new Uint32Array(entries.byteLength / 4);
  const bytes = new Uint8Array(words.buffer);
  bytes.set(new Uint8Array(entries.buffer, entries.byteOffset, entries.byteLength));
  if (LITTLE_ENDIAN_HOST) Buffer.from(words.buffer, 0, bytes.length).swap32();
  return words;
}

/** Column `column` of a table of `stride` words per entry. */
function columnOf(words: Uint32Array, stride: number, column: number, entryCount: number): Uint32Array {
  const out = new Uint32Array(entryCount);
  for (let i = 0, at = column; i < entryCount; i++, at += stride) out[i] = words[at];
  return out;
}

function checkFits(box: Box, cursor: ByteCursor, entryCount: number, entryBytes: number): void {
  if (entryCount * entryBytes > cursor.remaining) {
    throw mp4Error('MP4_BAD_BOX', `${box.path}: ${entryCount} entries of ${entryBytes} bytes run past the end of the box`, {
      where: box.path,
      entryCount,
      entryBytes,
      bytesLeft: cursor.remaining,
    });
  }
}

export function checkSampleCount(where: string, count: number): void {
  if (count > MAX_SAMPLES) {
    throw mp4Error('MP4_OVERFLOW', `${where}: ${count} samples is more than the ${MAX_SAMPLES} we accept`, { where, count });
  }
}

/** Run-length table: `counts[i]` consecutive samples share `values[i]`. */
export interface RunTable<T extends Uint32Array | Int32Array> {
  readonly counts: Uint32Array;
  readonly values: T;
}

/** stts (§8.6.1.2): sample_count, sample_delta. */
export function parseStts(box: Box): RunTable<Uint32Array> {
  const { entries, entryCount } = openTable(box, 8);
  const words = wordsOf(entries);
  return { counts: columnOf(words, 2, 0, entryCount), values: columnOf(words, 2, 1, entryCount) }; // sample_count, sample_delta
}

/**
 * ctts (§8.6.1.3): sample_count, sample_offset. Version 1 offsets are signed; version 0 offsets are
 * unsigned in the spec, but writers have stored negative offsets in version 0 boxes, and no real
 * offset reaches 2^31, so both are read as signed 32-bit.
 */
export function parseCtts(box: Box): RunTable<Int32Array> {
  const { entries, entryCount } = openTable(box, 8);
  const words = wordsOf(entries);
  // sample_count, sample_offset (the same bits read as signed)
  return { counts: columnOf(words, 2, 0, entryCount), values: new Int32Array(columnOf(words, 2, 1, entryCount).buffer) };
}

/** stss (§8.6.2): 1-based sample_number of each sync sample. */
export function parseStss(box: Box): Uint32Array {
  return wordsOf(openTable(box, 4).entries); // sample_number
}

export interface StscTable {
  readonly firstChunk: Uint32Array;
  readonly samplesPerChunk: Uint32Array;
}

/** stsc (§8.7.4): first_chunk, samples_per_chunk, sample_description_index. */
export function parseStsc(box: Box): StscTable {
  const { entries, entryCount } = openTable(box, 12);
  const words = wordsOf(entries);
  // sample_description_index (the third word) is not read: the first sample entry describes the whole track
  return { firstChunk: columnOf(words, 3, 0, entryCount), samplesPerChunk: columnOf(words, 3, 1, entryCount) };
}

/** sample_count of stsz or stz2, read without the table: both have it 8 bytes into the payload (§8.7.3). */
export function declaredSampleCount(box: Box): number {
  const cursor = new ByteCursor(box.payload, box.path);
  cursor.skip(8); // version, flags, then sample_size (stsz) or reserved + field_size (stz2)
  const sampleCount = cursor.u32(); // sample_count
  checkSampleCount(box.path, sampleCount);
  return sampleCount;
}

/** stsz (§8.7.3.2): sample_size (0 = per-sample sizes follow), sample_count, entry_size[]. */
export function parseStsz(box: Box): Uint32Array {
  const cursor = new ByteCursor(box.payload, box.path);
  cursor.fullBoxHeader();
  const sampleSize = cursor.u32(); // sample_size
  const sampleCount = cursor.u32(); // sample_count
  checkSampleCount(box.path, sampleCount);
  if (sampleSize !== 0) return new Uint32Array(sampleCount).fill(sampleSize);
  checkFits(box, cursor, sampleCount, 4);
  return wordsOf(tableView(cursor, sampleCount * 4)); // entry_size
}

/** stz2 (§8.7.3.3): reserved (24), field_size (8: 4, 8 or 16), sample_count, packed entry_size[]. */
export function parseStz2(box: Box): Uint32Array {
  const cursor = new ByteCursor(box.payload, box.path);
  cursor.fullBoxHeader();
  cursor.skip(3); // reserved
  const fieldSize = cursor.u8(); // field_size
  const sampleCount = cursor.u32(); // sample_count
  checkSampleCount(box.path, sampleCount);
  if (fieldSize !== 4 && fieldSize !== 8 && fieldSize !== 16) {
    throw mp4Error('MP4_BAD_BOX', `${box.path}: field_size ${fieldSize} is not 4, 8 or 16`, { where: box.path, fieldSize });
  }
  const packed = cursor.take(Math.ceil((sampleCount * fieldSize) / 8), 'entry_size table');
  const sizes = new Uint32Array(sampleCount);
  for (let i = 0; i < sampleCount; i++) {
    if (fieldSize === 16) sizes[i] = (packed[2 * i] << 8) | packed[2 * i + 1];
    else if (fieldSize === 8) sizes[i] = packed[i];
    else sizes[i] = i % 2 === 0 ? packed[i >> 1] >> 4 : packed[i >> 1] & 0x0f; // high nibble first
  }
  return sizes;
}

/** stco (§8.7.5, 32-bit chunk_offset) or co64 (64-bit chunk_offset). */
export function parseChunkOffsets(box: Box): Float64Array {
  const wide = box.type === FourCC.co64;
  const { entries, entryCount } = openTable(box, wide ? 8 : 4);
  if (!wide) return new Float64Array(wordsOf(entries)); // chunk_offset
  const offsets = new Float64Array(entryCount);
  const bytes = new Uint8Array(entries.buffer, entries.byteOffset, entries.byteLength);
  for (let i = 0; i < entryCount; i++) offsets[i] = readUint64(bytes, 8 * i, box.path); // chunk_offset (64-bit)
  return offsets;
}
