// A fragmented track's samples: those its moov's stbl holds (usually none), then those of its track fragments, checked as one table.

import { mp4Error } from '../errors.js';
import { checkTrackSize } from './limits.js';
import { checkInsideFile, type TableContext } from './sample-table.js';
import type { FragmentTrack } from './fragment-columns.js';
import type { SampleTable } from './types.js';

/**
 * Appends the fragments' samples to the stbl's. Fragment decode times come from tfdt when the
 * track's first fragment has one (tfdt counts the whole track, stbl samples included, §8.8.12);
 * without it they continue where the stbl's samples end. The joined track is then checked against
 * the [limits] and the file's size like any other table.
 */
export function joinFragmentSamples(table: SampleTable, fragments: FragmentTrack | undefined, ctx: TableContext & { where: string }): SampleTable {
  if (!fragments || fragments.samples.count === 0) return table;
  const tail = fragments.samples;
  const stblEndTicks = table.count > 0 ? table.dts[table.count - 1] + table.durations[table.count - 1] : 0;
  const shiftTicks = fragments.decodeTimeKnown ? 0 : stblEndTicks;
  if (tail.dts[0] + shiftTicks < stblEndTicks) {
    throw mp4Error('MP4_TABLE_MISMATCH', `${ctx.where}: the first fragment starts at ${tail.dts[0]}, before the moov's samples end (${stblEndTicks})`, {
      where: ctx.where,
      fragmentStartTicks: tail.dts[0],
      stblEndTicks,
    });
  }
  const count = table.count + tail.count;
  const firstDts = table.count > 0 ? table.dts[0] : tail.dts[0] + shiftTicks;
  const endTicks = tail.dts[tail.count - 1] + tail.durations[tail.count - 1] + shiftTicks;
  const durationSec = (endTicks - firstDts) / ctx.timescale;
  checkTrackSize(ctx.limits, { where: ctx.where, sampleCount: count, durationSec, samplesBefore: ctx.samplesBefore }, ctx.segmentDurationSec);
  checkNotBeforeFile(ctx.where, tail.offsets);
  checkInsideFile(ctx.where, tail.offsets, tail.sizes, ctx.fileSizeBytes);
  if (table.count === 0 && shiftTicks === 0) return tail;
  const dts = concat(new Float64Array(count), table.dts, tail.dts);
  if (shiftTicks !== 0) for (let i = table.count; i < count; i++) dts[i] += shiftTicks;
  return {
    count,
    offsets: concat(new Float64Array(count), table.offsets, tail.offsets),
    sizes: concat(new Uint32Array(count), table.sizes, tail.sizes),
    dts,
    cts: concat(new Int32Array(count), table.cts, tail.cts),
    durations: concat(new Uint32Array(count), table.durations, tail.durations),
    sync: concat(new Uint8Array(count), table.sync, tail.sync),
  };
}

function concat<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(out: T, head: T, tail: T): T {
  out.set(head as never);
  out.set(tail as never, head.length);
  return out;
}

/** A negative data_offset may point before the file's first byte: a damaged fragment, not a sample. */
function checkNotBeforeFile(where: string, offsets: Float64Array): void {
  for (let i = 0; i < offsets.length; i++) {
    if (offsets[i] < 0) throw mp4Error('MP4_BAD_BOX', `${where}: sample ${i + 1} starts at byte ${offsets[i]}, before the start of the file`, { where, sample: i + 1, offset: offsets[i] });
  }
}
