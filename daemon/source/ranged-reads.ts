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

/** A reader that can fill a caller's buffer (FileRangeReader); others simply allocate. */
type TargetReader = RangeReader & { read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> };

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
  await forEachLimited(spans.map((span, index) => ({ span, target: targets[index] })), options.concurrency, async ({ span, target }) => {
    options.signal?.throwIfAborted();
    const bytes = await reader.read(span.offset, span.length, target);
    for (const member of span.members) {
      const start = ranges[member].offset - span.offset;
      result[member] = bytes.subarray(start, start + ranges[member].length);
    }
  });
  return result;
}

/** Bytes a readRanges call reads (the coalesced spans, gaps included): the size of a buffer for `into`. */
export function coalescedBytes(ranges: readonly ByteRange[], options: CoalesceOptions): number {
  return coalesceRanges(ranges, options).reduce((sum, span) => sum + span.length, 0);
}
