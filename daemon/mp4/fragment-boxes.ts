// Parsers for the movie fragment boxes (ISO/IEC 14496-12 §8.8): trex defaults, tfhd, tfdt and trun, each pure.

import { mp4Error } from '../errors.js';
import { ByteCursor } from './bytes.js';
import type { Box } from './boxes.js';

/** Per-sample fields, resolved through trun → tfhd → trex (§8.8.3, §8.8.7, §8.8.8). */
export interface SampleDefaults {
  readonly descriptionIndex: number;
  readonly durationTicks: number;
  readonly sizeBytes: number;
  readonly flags: number;
}

/** trex (§8.8.3.2): track_ID, then the track's default sample description index, duration, size and flags. */
export function parseTrex(trex: Box): { trackId: number; defaults: SampleDefaults } {
  const cursor = new ByteCursor(trex.payload, trex.path);
  cursor.fullBoxHeader();
  const trackId = cursor.u32();
  const descriptionIndex = cursor.u32(); // default_sample_description_index
  const durationTicks = cursor.u32(); // default_sample_duration
  const sizeBytes = cursor.u32(); // default_sample_size
  const flags = cursor.u32(); // default_sample_flags
  return { trackId, defaults: { descriptionIndex, durationTicks, sizeBytes, flags } };
}

/** tfhd flags (§8.8.7.1). */
const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;

export interface TrackFragmentHeader {
  readonly trackId: number;
  /** Absolute file offset the track fragment's data offsets count from, when tfhd gives one. */
  readonly baseDataOffset?: number;
  /** default-base-is-moof: with no explicit base, data offsets count from the moof's first byte. */
  readonly baseIsMoof: boolean;
  readonly defaults: SampleDefaults;
}

/** tfhd (§8.8.7.2): track_ID, then each optional field its flag announces, overriding the trex defaults. */
export function parseTfhd(tfhd: Box, trexDefaults: (trackId: number) => SampleDefaults): TrackFragmentHeader {
  const cursor = new ByteCursor(tfhd.payload, tfhd.path);
  const { flags } = cursor.fullBoxHeader();
  const trackId = cursor.u32();
  const inherited = trexDefaults(trackId);
  const baseDataOffset = flags & TFHD_BASE_DATA_OFFSET ? cursor.u64() : undefined;
  const descriptionIndex = flags & TFHD_DESCRIPTION_INDEX ? cursor.u32() : inherited.descriptionIndex;
  const durationTicks = flags & TFHD_DEFAULT_DURATION ? cursor.u32() : inherited.durationTicks;
  const sizeBytes = flags & TFHD_DEFAULT_SIZE ? cursor.u32() : inherited.sizeBytes;
  const sampleFlags = flags & TFHD_DEFAULT_FLAGS ? cursor.u32() : inherited.flags;
  return {
    trackId,
    baseDataOffset,
    baseIsMoof: (flags & TFHD_DEFAULT_BASE_IS_MOOF) !== 0,
    defaults: { descriptionIndex, durationTicks, sizeBytes, flags: sampleFlags },
  };
}

/** tfdt (§8.8.12.2): baseMediaDecodeTime, 32 or 64 bits by version. */
export function parseTfdt(tfdt: Box): number {
  const cursor = new ByteCursor(tfdt.payload, tfdt.path);
  const { version } = cursor.fullBoxHeader();
  return version === 1 ? cursor.u64() : cursor.u32();
}

/** trun flags (§8.8.8.1). */
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_COMPOSITION_OFFSET = 0x000800;

/** sample_is_non_sync_sample in the sample flags (§8.8.3.1): the low bit of the third byte. */
const SAMPLE_IS_NON_SYNC = 0x00010000;

export function isSyncFlags(sampleFlags: number): boolean {
  return (sampleFlags & SAMPLE_IS_NON_SYNC) === 0;
}

/** Receives a run's samples as the trun is read, so nothing per-sample is allocated before the sink has checked the count. */
export interface RunSink {
  /**
   * Called before any sample: may refuse the run (limits). `dataOffset` is absent when the run
   * follows the previous one; `defaultSizeBytes` is the size of every sample when trun gives none.
   */
  startRun(run: { count: number; dataOffset?: number; defaultSizeBytes?: number }, where: string): void;
  addSample(durationTicks: number, sizeBytes: number, compositionOffset: number, sync: boolean): void;
}

function perSampleBytes(flags: number): number {
  return [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_COMPOSITION_OFFSET].filter((bit) => flags & bit).length * 4;
}

/**
 * trun (§8.8.8.2): sample_count, optional data_offset (signed) and first_sample_flags, then per
 * sample the fields its flags announce, the others from the defaults. A composition offset is
 * unsigned in version 0 and signed in version 1. sample_count is checked against the box's size.
 */
export function parseTrun(trun: Box, defaults: SampleDefaults, sink: RunSink): void {
  const cursor = new ByteCursor(trun.payload, trun.path);
  const { version, flags } = cursor.fullBoxHeader();
  const count = cursor.u32(); // sample_count
  const dataOffset = flags & TRUN_DATA_OFFSET ? cursor.i32() : undefined;
  const firstFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? cursor.u32() : undefined;
  const entryBytes = perSampleBytes(flags);
  if (count * entryBytes > cursor.remaining) {
    throw mp4Error('MP4_BAD_BOX', `${trun.path}: ${count} samples of ${entryBytes} bytes run past the end of the box`, { where: trun.path, count, entryBytes });
  }
  sink.startRun({ count, dataOffset, defaultSizeBytes: flags & TRUN_SIZE ? undefined : defaults.sizeBytes }, trun.path);
  for (let i = 0; i < count; i++) {
    const durationTicks = flags & TRUN_DURATION ? cursor.u32() : defaults.durationTicks; // sample_duration
    const sizeBytes = flags & TRUN_SIZE ? cursor.u32() : defaults.sizeBytes; // sample_size
    const own = flags & TRUN_FLAGS ? cursor.u32() : undefined; // sample_flags
    const sampleFlags = own ?? (i === 0 && firstFlags !== undefined ? firstFlags : defaults.flags);
    const offset = flags & TRUN_COMPOSITION_OFFSET ? compositionOffset(cursor, version, trun.path) : 0;
    sink.addSample(durationTicks, sizeBytes, offset, isSyncFlags(sampleFlags));
  }
}

function compositionOffset(cursor: ByteCursor, version: number, where: string): number {
  if (version !== 0) return cursor.i32();
  const offset = cursor.u32();
  if (offset > 0x7fffffff) throw mp4Error('MP4_OVERFLOW', `${where}: composition offset ${offset} does not fit 31 bits`, { where, offset });
  return offset;
}
