// Reusable read buffers: a segment's sample bytes are needed only until they are muxed, so the buffer goes back to the pool.

/**
 * Without reuse, every segment request allocates a buffer the size of its samples (~10 MB for 10 s of
 * 720p) that lingers until the garbage collector notices external memory pressure; reusing a couple
 * of buffers keeps the daemon's resident size flat.
 */
export class ScratchPool {
  private readonly free: Uint8Array[] = [];

  constructor(
    /** Free buffers kept for reuse (concurrent requests beyond this allocate and drop). */
    private readonly maxBuffers = 2,
    /** Larger buffers are never kept. */
    private readonly maxBufferBytes = 64 * 1024 * 1024,
  ) {}

  /** A buffer of exactly `bytes` (a view of a pooled one when one is large enough). */
  take(bytes: number): Uint8Array {
    const index = this.free.findIndex((buffer) => buffer.length >= bytes);
    const buffer = index >= 0 ? this.free.splice(index, 1)[0] : new Uint8Array(roundUpToMiB(bytes));
    return buffer.subarray(0, bytes);
  }

  /** Returns a buffer from `take`; nothing may use its bytes afterwards. */
  give(view: Uint8Array): void {
    const whole = new Uint8Array(view.buffer, 0, view.buffer.byteLength);
    if (whole.length > this.maxBufferBytes) return;
    if (this.free.length < this.maxBuffers) {
      this.free.push(whole);
      return;
    }
    // Full: a larger buffer replaces the smallest kept one, so the pool grows to the largest segment
    // instead of keeping a small buffer that fits nothing and allocating for every larger segment.
    const smallest = this.free.reduce((min, buffer, i) => (buffer.length < this.free[min].length ? i : min), 0);
    if (this.free[smallest].length < whole.length) this.free[smallest] = whole;
  }
}

/** Growing in whole MiB lets a pooled buffer serve the next, slightly larger segment. */
export function roundUpToMiB(bytes: number): number {
  const mib = 1024 * 1024;
  return Math.ceil(Math.max(bytes, 1) / mib) * mib;
}
