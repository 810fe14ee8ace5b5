// A RangeReader over bytes in memory that records every read, so tests can check what the reader touched.

import type { RangeReader } from '../../daemon/mp4/types.js';

export class MemoryReader implements RangeReader {
  readonly reads: Array<{ offset: number; length: number }> = [];

  constructor(
    private readonly data: Uint8Array,
    /** Pretend the file is this long (bytes past `data` read as zeros), to test huge declared sizes. */
    readonly sizeBytes: number = data.length,
  ) {}

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || offset + length > this.sizeBytes) throw new Error(`read past the end: ${offset}+${length} > ${this.sizeBytes}`);
    this.reads.push({ offset, length });
    const out = new Uint8Array(length);
    out.set(this.data.subarray(offset, Math.min(offset + length, this.data.length)));
    return out;
  }

  get bytesRead(): number {
    return this.reads.reduce((sum, read) => sum + read.length, 0);
  }
}
