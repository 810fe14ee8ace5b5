// One CMAF media segment of one track: styp, moof (mfhd, traf: tfhd, tfdt, trun), mdat (ISO/IEC 14496-12 §8.8, §8.16) (pure).

import { CasterpakError } from '../errors.js';
import { box, boxHeader, fourcc, fullBoxHeader, i32, serialize, u32, u64, type Part } from './box.js';
import { CMAF_TRACK_ID } from './init.js';

/** tfhd: default-base-is-moof, so trun's data_offset counts from the moof's first byte (§8.8.7.1). */
const DEFAULT_BASE_IS_MOOF = 0x020000;
/** trun: data-offset, sample-duration, sample-size, sample-flags and sample-composition-time-offset present (§8.8.8.1). */
const TRUN_FLAGS = 0x000001 | 0x000100 | 0x000200 | 0x000400 | 0x000800;
/** Per sample in trun: duration, size, flags, composition offset, 32 bits each. */
const TRUN_ENTRY_BYTES = 16;
/** sample_flags (§8.8.3.1): a sync sample depends on no other (sample_depends_on = 2). */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
/** A non-sync sample depends on others (sample_depends_on = 1) and is marked sample_is_non_sync_sample. */
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;
/** mdat header: size (32) + type (32). */
const MDAT_HEADER_BYTES = 8;

/** The columns of a fragment's samples, in decode order. */
export interface FragmentSamples {
  readonly durations: ArrayLike<number>;
  readonly sizes: ArrayLike<number>;
  /** 1 for a sync sample. */
  readonly sync: ArrayLike<number>;
  /** Signed composition offsets (trun version 1), so pts = dts + offset. */
  readonly compositionOffsets: ArrayLike<number>;
}

export interface FragmentInput {
  /** mfhd sequence_number: the segment number, so fragments made apart still count up. */
  readonly sequenceNumber: number;
  /** tfdt baseMediaDecodeTime: the first sample's decode time on the track's timeline. */
  readonly baseDecodeTicks: number;
  readonly samples: FragmentSamples;
  /** Sample data in order; omitted only to size the fragment. */
  readonly data?: readonly Uint8Array[];
}

function trunEntries(samples: FragmentSamples): Part {
  const count = samples.sizes.length;
  return {
    sizeBytes: count * TRUN_ENTRY_BYTES,
    write(_out, view, offset) {
      for (let i = 0; i < count; i++) {
        const at = offset + i * TRUN_ENTRY_BYTES;
        view.setUint32(at, samples.durations[i]); // sample_duration
        view.setUint32(at + 4, samples.sizes[i]); // sample_size
        view.setUint32(at + 8, samples.sync[i] ? SYNC_SAMPLE_FLAGS : NON_SYNC_SAMPLE_FLAGS); // sample_flags
        view.setInt32(at + 12, samples.compositionOffsets[i]); // sample_composition_time_offset (signed, version 1)
      }
    },
  };
}

function moof(input: FragmentInput, dataOffset: number): Part {
  return box('moof',
    box('mfhd',
      fullBoxHeader({ version: 0, flags: 0 }),
      u32('sequence_number', input.sequenceNumber),
    ),
    box('traf',
      box('tfhd',
        fullBoxHeader({ version: 0, flags: DEFAULT_BASE_IS_MOOF }),
        u32('track_ID', CMAF_TRACK_ID),
      ),
      box('tfdt',
        fullBoxHeader({ version: 1, flags: 0 }),
        u64('baseMediaDecodeTime', input.baseDecodeTicks),
      ),
      box('trun',
        fullBoxHeader({ version: 1, flags: TRUN_FLAGS }),
        u32('sample_count', input.samples.sizes.length),
        i32('data_offset', dataOffset),
        trunEntries(input.samples),
      ),
    ),
  );
}

function styp(): Part {
  return box('styp',
    fourcc('major_brand', 'cmfs'),
    u32('minor_version', 0),
    fourcc('compatible_brands', 'cmfs'),
    fourcc('compatible_brands', 'msdh'),
    fourcc('compatible_brands', 'msix'),
  );
}

function dataBytes(samples: FragmentSamples): number {
  let total = 0;
  for (let i = 0; i < samples.sizes.length; i++) total += samples.sizes[i];
  return total;
}

/** The sample data, chunk after chunk (only mediaSegment writes it into the segment's buffer). */
function mdatPayload(input: FragmentInput): Part {
  return {
    sizeBytes: dataBytes(input.samples),
    write(out, _view, offset) {
      let pos = offset;
      for (const chunk of input.data ?? []) {
        out.set(chunk, pos);
        pos += chunk.length;
      }
    },
  };
}

/** styp, moof and the mdat header; the moof is sized once with a placeholder offset (its size does not depend on the value). */
function headParts(input: FragmentInput): Part[] {
  const moofBytes = moof(input, 0).sizeBytes;
  return [styp(), moof(input, moofBytes + MDAT_HEADER_BYTES), boxHeader('mdat', dataBytes(input.samples))];
}

/** The segment's boxes: the head, then the mdat's payload (the header and payload make the mdat box). */
function fragmentParts(input: FragmentInput): Part[] {
  return [...headParts(input), mdatPayload(input)];
}

/** What a segment's size depends on: how many samples it has and their bytes (the fields are checked as the writer checks them). */
export interface FragmentShape {
  readonly sequenceNumber: number;
  readonly baseDecodeTicks: number;
  readonly sampleCount: number;
  readonly dataBytes: number;
}

const NO_SAMPLES: FragmentSamples = { durations: [], sizes: [], sync: [], compositionOffsets: [] };

/** styp, moof and the mdat header of a segment without samples: every field has a fixed width, so only trun entries and data add to it. */
const EMPTY_FRAGMENT_BYTES = fragmentParts({ sequenceNumber: 0, baseDecodeTicks: 0, samples: NO_SAMPLES }).reduce((sum, part) => sum + part.sizeBytes, 0);

/**
 * The exact size of a segment of that shape, by arithmetic: a manifest sizes every segment of every track,
 * and building each one's boxes only to add up their sizes made garbage for the collector. The fields
 * that can fail the writer's range checks are checked here too, so a manifest never sizes a segment
 * that cannot be written.
 */
export function fragmentShapeBytes(shape: FragmentShape): number {
  u32('sequence_number', shape.sequenceNumber);
  u64('baseMediaDecodeTime', shape.baseDecodeTicks);
  u32('sample_count', shape.sampleCount);
  return EMPTY_FRAGMENT_BYTES + shape.sampleCount * TRUN_ENTRY_BYTES + shape.dataBytes;
}

/** The exact size of the segment, from sample sizes alone (for bandwidths in manifests). */
export function fragmentSizeBytes(input: Omit<FragmentInput, 'data'>): number {
  const { sequenceNumber, baseDecodeTicks, samples } = input;
  return fragmentShapeBytes({ sequenceNumber, baseDecodeTicks, sampleCount: samples.sizes.length, dataBytes: dataBytes(samples) });
}

/** Every sample's data must have the size its table entry says, or the trun would lie. */
function checkData(input: FragmentInput): readonly Uint8Array[] {
  const data = input.data ?? [];
  const sizes = input.samples.sizes;
  const mismatch = data.length !== sizes.length ? -1 : data.findIndex((chunk, i) => chunk.length !== sizes[i]);
  if (data.length !== sizes.length || mismatch !== -1) {
    throw new CasterpakError('PACKAGER_FAILED', 'fragment sample data differs from its sample table', { samples: sizes.length, chunks: data.length, mismatch });
  }
  return data;
}

/** The segment's bytes in one buffer of their own. */
export function mediaSegment(input: FragmentInput): Uint8Array {
  checkData(input);
  return serialize(...fragmentParts(input));
}

/**
 * The same bytes as mediaSegment, as pieces to write one after the other: the boxes up to the mdat's
 * header, then each sample's data as given (views of the buffer it was read into). A 10 MB segment is
 * then written to its file without first being copied into a buffer of its own.
 */
export function mediaSegmentChunks(input: FragmentInput): Uint8Array[] {
  const data = checkData(input);
  return [serialize(...headParts(input)), ...data];
}
