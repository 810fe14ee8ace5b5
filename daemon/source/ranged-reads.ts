// Reads many small byte ranges of a source with few calls: nearby ranges are coalesced, a few reads run at once.

import type { RangeReader } from '../mp4/types.js';

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface CoalesceOptions {
  /** Ranges separated by at most this many bytes are read together (the gap is read and dropped). */
  readonly maxGapBytes: number;
  /** A coalesced read never grows past this (a single larger range is still read whole). */
  readonly maxSpanBytes: number;
}

export interface ReadOptions extends CoalesceOptions {
  /** Reads in flight at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /**
   * Milliseconds this thread may block reading, when the reader can read on it (a local file): spans
   * are read synchronously until that much time is spent, the rest through the thread pool. See readRanges.
   */
  readonly syncBudgetMs?: number;
}

interface Span extends ByteRange {
  /** Indexes into the caller's range list. */
  readonly members: number[];
}

/**
 * The caller's range indexes by offset, or undefined when the list is already in offset order (a track's
 * samples in decode order nearly always are): then nothing is allocated or sorted.
 */
function offsetOrder(ranges: readonly ByteRange[]): number[] | undefined {
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].offset < ranges[i - 1].offset) return ranges.map((_, index) => index).sort((a, b) => ranges[a].offset - ranges[b].offset);
  }
  return undefined;
}

/**
 * Walks the ranges in offset order and calls `onSpan` for each coalesced span: its bytes [offset, end) and
 * its members, positions [first, next) of `order` (or of the ranges themselves when `order` is undefined).
 */
function walkSpans(
  ranges: readonly ByteRange[],
  options: CoalesceOptions,
  order: readonly number[] | undefined,
  onSpan: (offset: number, end: number, first: number, next: number) => void,
): void {
  let spanOffset = 0;
  let spanEnd = 0;
  let first = 0;
  for (let k = 0; k < ranges.length; k++) {
    const { offset, length } = ranges[order ? order[k] : k];
    const end = offset + length;
    if (k > 0 && offset - spanEnd <= options.maxGapBytes && Math.max(end, spanEnd) - spanOffset <= options.maxSpanBytes) {
      spanEnd = Math.max(spanEnd, end);
      continue;
    }
    if (k > 0) onSpan(spanOffset, spanEnd, first, k);
    spanOffset = offset;
    spanEnd = end;
    first = k;
  }
  if (ranges.length > 0) onSpan(spanOffset, spanEnd, first, ranges.length);
}

/** Spans as columns (no object per span): span k is [offsets[k], ends[k]), its members at positions [firsts[k], firsts[k + 1]) of `order`. */
interface SpanColumns {
  readonly order: readonly number[] | undefined;
  readonly offsets: number[];
  readonly ends: number[];
  readonly firsts: number[];
}

function spanColumns(ranges: readonly ByteRange[], options: CoalesceOptions): SpanColumns {
  const columns: SpanColumns = { order: offsetOrder(ranges), offsets: [], ends: [], firsts: [] };
  walkSpans(ranges, options, columns.order, (offset, end, first) => {
    columns.offsets.push(offset);
    columns.ends.push(end);
    columns.firsts.push(first);
  });
  columns.firsts.push(ranges.length);
  return columns;
}

/** Groups ranges into spans; ranges may come in any order and may be empty. */
export function coalesceRanges(ranges: readonly ByteRange[], options: CoalesceOptions): Span[] {
  const spans: Span[] = [];
  const order = offsetOrder(ranges);
  walkSpans(ranges, options, order, (offset, end, first, next) => {
    const members: number[] = [];
    for (let k = first; k < next; k++) members.push(order ? order[k] : k);
    spans.push({ offset, length: end - offset, members });
  });
  return spans;
}

/** Runs `work` over `items` with at most `concurrency` promises pending. */
async function forEachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A reader that can fill a caller's buffer (FileRangeReader); others simply allocate. A local file can also read on this thread. */
type TargetReader = RangeReader & {
  read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array>;
  readSync?(offset: number, length: number, target?: Uint8Array): Uint8Array;
};

/**
 * Reads spans on this thread until `budgetMs` is spent; returns how many it read. A few hundred small
 * reads the page cache holds cost well under a millisecond this way, while each one through libuv's
 * pool costs a hand-off to a pool thread and back (tens of microseconds, far more on a loaded machine:
 * 180 reads of a page took 2.6-15 ms that way, 0.15-0.5 ms here). Reads that reach a disk spend the
 * budget quickly and the rest go to the pool, so this thread blocks for the budget plus one read at most.
 */
function readSpansSync(spanCount: number, budgetMs: number, readOne: (index: number) => void): number {
  const startMs = performance.now();
  for (let index = 0; index < spanCount; index++) {
    if (performance.now() - startMs >= budgetMs) return index;
    readOne(index);
  }
  return spanCount;
}

/**
 * Reads every range; result[i] is a view of ranges[i]'s bytes (views share the coalesced buffers). A span
 * is read into `into` right after the one before it. Per span and per range it makes only the views it
 * returns (a CMAF audio segment is ~300 spans of ~470 samples, read on every miss).
 */
export async function readRanges(reader: TargetReader, ranges: readonly ByteRange[], options: ReadOptions, into?: Uint8Array): Promise<Uint8Array[]> {
  const result: Uint8Array[] = new Array(ranges.length);
  const { order, offsets, ends, firsts } = spanColumns(ranges, options);
  const spanCount = offsets.length;
  const starts: number[] = new Array(spanCount);
  for (let k = 0, at = 0; k < spanCount; k++) {
    starts[k] = at;
    at += ends[k] - offsets[k];
  }
  const target = (k: number) => into?.subarray(starts[k], starts[k] + ends[k] - offsets[k]);
  const place = (k: number, bytes: Uint8Array) => {
    for (let j = firsts[k]; j < firsts[k + 1]; j++) {
      const member = order ? order[j] : j;
      const start = ranges[member].offset - offsets[k];
      result[member] = bytes.subarray(start, start + ranges[member].length);
    }
  };
  let readHere = 0;
  if (reader.readSync && options.syncBudgetMs !== undefined) {
    options.signal?.throwIfAborted();
    const readSync = reader.readSync.bind(reader);
    readHere = readSpansSync(spanCount, options.syncBudgetMs, (k) => place(k, readSync(offsets[k], ends[k] - offsets[k], target(k))));
  }
  const rest = Array.from({ length: spanCount - readHere }, (_, i) => readHere + i);
  await forEachLimited(rest, options.concurrency, async (k) => {
    options.signal?.throwIfAborted();
    place(k, await reader.read(offsets[k], ends[k] - offsets[k], target(k)));
  });
  return result;
}

/** Bytes a readRanges call reads (the coalesced spans, gaps included): the size of a buffer for `into`. Allocates nothing for ranges in offset order. */
export function coalescedBytes(ranges: readonly ByteRange[], options: CoalesceOptions): number {
  let bytes = 0;
  walkSpans(ranges, options, offsetOrder(ranges), (offset, end) => {
    bytes += end - offset;
  });
  return bytes;
}
