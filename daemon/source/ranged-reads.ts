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

/** Reads every range; result[i] is a view of ranges[i]'s bytes (views share the coalesced buffers). */
export async function readRanges(reader: RangeReader, ranges: readonly ByteRange[], options: ReadOptions): Promise<Uint8Array[]> {
  const result: Uint8Array[] = new Array(ranges.length);
  await forEachLimited(coalesceRanges(ranges, options), options.concurrency, async (span) => {
    options.signal?.throwIfAborted();
    const bytes = await reader.read(span.offset, span.length);
    for (const member of span.members) {
      const start = ranges[member].offset - span.offset;
      result[member] = bytes.subarray(start, start + ranges[member].length);
    }
  });
  return result;
}
