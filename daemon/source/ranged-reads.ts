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

/** Groups ranges into spans; ranges may come in any order and may be empty. */
export function coalesceRanges(ranges: readonly ByteRange[], options: CoalesceOptions): Span[] {
  const order = ranges.map((_, index) => index).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const spans: Array<{ offset: number; end: number; members: number[] }> = [];
  for (const index of order) {
    const { offset, length } = ranges[index];
    const current = spans[spans.length - 1];
    const end = offset + length;
    if (current && offset - current.end <= options.maxGapBytes && Math.max(end, current.end) - current.offset <= options.maxSpanBytes) {
      current.end = Math.max(current.end, end);
      current.members.push(index);
    } else {
      spans.push({ offset, end, members: [index] });
    }
  }
  return spans.map((span) => ({ offset: span.offset, length: span.end - span.offset, members: span.members }));
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

/** Reads every range; result[i] is a view of ranges[i]'s bytes (views share the coalesced buffers). */
export async function readRanges(reader: TargetReader, ranges: readonly ByteRange[], options: ReadOptions, into?: Uint8Array): Promise<Uint8Array[]> {
  const result: Uint8Array[] = new Array(ranges.length);
  const spans = coalesceRanges(ranges, options);
  let intoOffset = 0;
  const targets = spans.map((span) => {
    const target = into?.subarray(intoOffset, intoOffset + span.length);
    intoOffset += span.length;
    return target;
  });
  const place = (index: number, bytes: Uint8Array) => {
    const span = spans[index];
    for (const member of span.members) {
      const start = ranges[member].offset - span.offset;
      result[member] = bytes.subarray(start, start + ranges[member].length);
    }
  };
  let readHere = 0;
  if (reader.readSync && options.syncBudgetMs !== undefined) {
    options.signal?.throwIfAborted();
    const readSync = reader.readSync.bind(reader);
    readHere = readSpansSync(spans.length, options.syncBudgetMs, (index) => place(index, readSync(spans[index].offset, spans[index].length, targets[index])));
  }
  const rest = spans.map((span, index) => ({ span, index })).slice(readHere);
  await forEachLimited(rest, options.concurrency, async ({ span, index }) => {
    options.signal?.throwIfAborted();
    place(index, await reader.read(span.offset, span.length, targets[index]));
  });
  return result;
}

/** Bytes a readRanges call reads (the coalesced spans, gaps included): the size of a buffer for `into`. */
export function coalescedBytes(ranges: readonly ByteRange[], options: CoalesceOptions): number {
  return coalesceRanges(ranges, options).reduce((sum, span) => sum + span.length, 0);
}
