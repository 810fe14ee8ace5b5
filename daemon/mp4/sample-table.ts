// Turns a track's stbl into the columnar SampleTable, checking that the tables agree and stay inside the file.

import { mp4Error } from '../errors.js';
import { findChild, requireChild, type Box } from './boxes.js';
import { readUint32 } from './bytes.js';
import { FourCC } from './fourcc.js';
import { checkTrackSize, SAMPLE_BYTES_RULE } from './limits.js';
import type { SourceLimits } from '../source-limits.js';
import {
  checkSampleCount,
  declaredSampleCount,
  parseChunkOffsets,
  parseCtts,
  parseStsc,
  parseStss,
  parseStsz,
  parseStts,
  parseStz2,
  type RunTable,
  type StscTable,
} from './sample-table-boxes.js';
import type { SampleTable } from './types.js';

export interface TableContext {
  readonly fileSizeBytes: number;
  /** The track's timescale (mdhd), to turn stts ticks into seconds for the limits. */
  readonly timescale: number;
  readonly limits: SourceLimits;
  readonly segmentDurationSec: number;
  /** Samples of the source's tracks read before this one (limits.max_samples). */
  readonly samplesBefore: number;
}

export function buildSampleTable(stbl: Box, ctx: TableContext): SampleTable {
  const stts = requireChild(stbl, FourCC.stts);
  const times = parseStts(stts);
  // The limits are decided from the declared count and the stts total, before any per-sample array exists.
  const sizeBox = findChild(stbl, FourCC.stsz) ?? requireChild(stbl, FourCC.stz2);
  const durationSec = totalTicks(times) / ctx.timescale;
  const sampleCount = declaredSampleCount(sizeBox);
  checkTrackSize(ctx.limits, { where: stbl.path, sampleCount, durationSec, samplesBefore: ctx.samplesBefore }, ctx.segmentDurationSec);
  checkConstantSizeFits(sizeBox, sampleCount, ctx.fileSizeBytes);
  const sizes = sizeBox.type === FourCC.stsz ? parseStsz(sizeBox) : parseStz2(sizeBox);
  const count = sizes.length;
  const { dts, durations } = expandTimes(stts, times, count);
  const cts = expandCompositionOffsets(stbl, count);
  const sync = expandSync(stbl, count);
  const chunkBox = findChild(stbl, FourCC.stco) ?? requireChild(stbl, FourCC.co64);
  const offsets = expandOffsets({
    stsc: parseStsc(requireChild(stbl, FourCC.stsc)),
    chunkOffsets: parseChunkOffsets(chunkBox),
    sizes,
    where: stbl.path,
  });
  checkInsideFile(stbl.path, offsets, sizes, ctx.fileSizeBytes);
  return { count, offsets, sizes, dts, cts, durations, sync };
}

/**
 * A constant sample_size (stsz §8.7.3.2) lets a few bytes declare millions of samples. Samples may
 * not share bytes (see sample-overlap.ts), so together they must fit in the file: checked before
 * any is placed.
 */
function checkConstantSizeFits(sizeBox: Box, sampleCount: number, fileSizeBytes: number): void {
  if (sizeBox.type !== FourCC.stsz || sizeBox.payload.length < 8) return;
  const constantBytes = readUint32(sizeBox.payload, 4); // sample_size
  if (constantBytes * sampleCount > fileSizeBytes) {
    const message = `${sizeBox.path}: ${sampleCount} samples of ${constantBytes} bytes need more bytes than the file holds (${fileSizeBytes}) (${SAMPLE_BYTES_RULE})`;
    throw mp4Error('MP4_LIMIT', message, { where: sizeBox.path, sampleCount, constantBytes, fileSizeBytes });
  }
}

function totalTicks(table: RunTable<Uint32Array>): number {
  let ticks = 0;
  for (let i = 0; i < table.counts.length; i++) ticks += table.counts[i] * table.values[i];
  return ticks;
}

function mismatch(where: string, message: string, details: Record<string, unknown>): never {
  throw mp4Error('MP4_TABLE_MISMATCH', `${where}: ${message}`, { where, ...details });
}

/** Sums a run-length table's counts and checks it covers exactly `count` samples. */
function checkRunTotal(where: string, table: RunTable<Uint32Array | Int32Array>, count: number): void {
  let total = 0;
  for (let i = 0; i < table.counts.length; i++) total += table.counts[i];
  checkSampleCount(where, total);
  if (total !== count) mismatch(where, `describes ${total} samples but the sample size table has ${count}`, { total, count });
}

function expandTimes(stts: Box, table: RunTable<Uint32Array>, count: number): { dts: Float64Array; durations: Uint32Array } {
  checkRunTotal(stts.path, table, count);
  const dts = new Float64Array(count);
  const durations = new Uint32Array(count);
  let sample = 0;
  let time = 0;
  for (let entry = 0; entry < table.counts.length; entry++) {
    const delta = table.values[entry];
    for (let n = table.counts[entry]; n > 0; n--) {
      dts[sample] = time;
      durations[sample] = delta;
      time += delta;
      sample++;
    }
  }
  if (time > Number.MAX_SAFE_INTEGER) {
    throw mp4Error('MP4_OVERFLOW', `${stts.path}: the total duration overflows`, { where: stts.path, time });
  }
  return { dts, durations };
}

function expandCompositionOffsets(stbl: Box, count: number): Int32Array {
  const cts = new Int32Array(count);
  const ctts = findChild(stbl, FourCC.ctts);
  if (!ctts) return cts;
  const table = parseCtts(ctts);
  checkRunTotal(ctts.path, table, count);
  let sample = 0;
  for (let entry = 0; entry < table.counts.length; entry++) {
    cts.fill(table.values[entry], sample, sample + table.counts[entry]);
    sample += table.counts[entry];
  }
  return cts;
}

function expandSync(stbl: Box, count: number): Uint8Array {
  const stss = findChild(stbl, FourCC.stss);
  // No stss: every sample is a sync sample (ISO/IEC 14496-12 §8.6.2.1).
  if (!stss) return new Uint8Array(count).fill(1);
  const numbers = parseStss(stss);
  const sync = new Uint8Array(count);
  let previous = 0;
  for (const sampleNumber of numbers) {
    if (sampleNumber <= previous || sampleNumber > count) {
      mismatch(stss.path, `sync sample ${sampleNumber} is out of order or past the ${count} samples`, { sampleNumber, count });
    }
    sync[sampleNumber - 1] = 1;
    previous = sampleNumber;
  }
  return sync;
}

interface OffsetInputs {
  readonly stsc: StscTable;
  readonly chunkOffsets: Float64Array;
  readonly sizes: Uint32Array;
  readonly where: string;
}

/** Places each sample: chunks from stco/co64, samples per chunk from stsc, consecutive within a chunk (§8.7.4). */
function expandOffsets({ stsc, chunkOffsets, sizes, where }: OffsetInputs): Float64Array {
  const count = sizes.length;
  const chunkCount = chunkOffsets.length;
  const offsets = new Float64Array(count);
  let sample = 0;
  for (let entry = 0; entry < stsc.firstChunk.length; entry++) {
    const first = stsc.firstChunk[entry];
    const next = entry + 1 < stsc.firstChunk.length ? stsc.firstChunk[entry + 1] : chunkCount + 1;
    const misplaced = entry === 0 ? first !== 1 : first <= stsc.firstChunk[entry - 1];
    if (misplaced || next <= first || next > chunkCount + 1) {
      mismatch(`${where}/stsc`, `entry ${entry + 1} (first_chunk ${first}) is out of order or past the ${chunkCount} chunks`, { entry, first, chunkCount });
    }
    for (let chunk = first; chunk < next; chunk++) {
      let offset = chunkOffsets[chunk - 1];
      const perChunk = stsc.samplesPerChunk[entry];
      if (sample + perChunk > count) {
        mismatch(`${where}/stsc`, `describes more samples than the ${count} in the sample size table`, { chunk, count });
      }
      for (let n = 0; n < perChunk; n++) {
        offsets[sample] = offset;
        offset += sizes[sample];
        sample++;
      }
    }
  }
  if (sample !== count) mismatch(`${where}/stsc`, `places ${sample} samples but the sample size table has ${count}`, { placed: sample, count });
  return offsets;
}

/** Every sample must lie inside the file: a sample past the end means the file was cut short. */
export function checkInsideFile(where: string, offsets: Float64Array, sizes: Uint32Array, fileSizeBytes: number): void {
  for (let i = 0; i < offsets.length; i++) {
    const end = offsets[i] + sizes[i];
    if (end > fileSizeBytes) {
      throw mp4Error('MP4_TRUNCATED', `${where}: sample ${i + 1} ends at byte ${end}, past the end of the file (${fileSizeBytes} bytes)`, {
        where,
        sample: i + 1,
        sampleEnd: end,
        fileSizeBytes,
      });
    }
  }
}
