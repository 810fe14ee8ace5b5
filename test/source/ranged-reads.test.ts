import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFileReader, type FileRangeReader } from '../../daemon/source/file-reader.js';
import { coalesceRanges, coalescedBytes, readRanges } from '../../daemon/source/ranged-reads.js';
import { ScratchPool } from '../../daemon/source/scratch-pool.js';
import { MemoryReader } from '../helpers/memory-reader.js';

const data = Uint8Array.from({ length: 10_000 }, (_, i) => i & 0xff);
const options = { maxGapBytes: 100, maxSpanBytes: 2000, concurrency: 2 };

describe('ranged reads', () => {
  it('coalesce ranges closer than the gap, in any order, up to the span limit', () => {
    const ranges = [
      { offset: 500, length: 50 },
      { offset: 0, length: 100 },
      { offset: 150, length: 100 }, // 50 bytes after the first: joined
      { offset: 400, length: 10 }, // 150 bytes after: a new span
      { offset: 3000, length: 2500 }, // larger than a span on its own: read whole
    ];
    expect(coalesceRanges(ranges, options).map((s) => [s.offset, s.length, s.members])).toEqual([
      [0, 250, [1, 2]],
      [400, 150, [3, 0]],
      [3000, 2500, [4]],
    ]);
    expect(coalescedBytes(ranges, options)).toBe(250 + 150 + 2500);
  });

  it('return each range as its own bytes, with one read per span', async () => {
    const reader = new MemoryReader(data);
    const ranges = [{ offset: 7000, length: 3 }, { offset: 10, length: 5 }, { offset: 20, length: 4 }];
    const views = await readRanges(reader, ranges, options);
    expect(views.map((v) => Array.from(v))).toEqual(ranges.map((r) => Array.from(data.subarray(r.offset, r.offset + r.length))));
    expect(reader.reads).toHaveLength(2);
  });

  it('stop before reading when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(readRanges(new MemoryReader(data), [{ offset: 0, length: 4 }], { ...options, signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('ranged reads of a local file on the calling thread', () => {
  let dir: string;
  let file: FileRangeReader;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-ranged-'));
    await fs.writeFile(path.join(dir, 'data.bin'), data);
    file = await openFileReader(path.join(dir, 'data.bin'));
  });
  afterAll(async () => {
    await file.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** The file's reader, counting the reads made on this thread and through the pool; each read on this thread takes `slowMs` at least. */
  function counted(slowMs = 0) {
    const counts = { here: 0, pool: 0 };
    const reader: FileRangeReader = {
      sizeBytes: file.sizeBytes,
      read: (offset, length, target) => {
        counts.pool += 1;
        return file.read(offset, length, target);
      },
      readSync: (offset, length, target) => {
        counts.here += 1;
        const until = performance.now() + slowMs;
        while (performance.now() < until); // a read that reached a slow disk
        return file.readSync!(offset, length, target);
      },
      close: () => Promise.resolve(),
    };
    return { reader, counts };
  }

  const far = [0, 2000, 4000, 6000, 8000].map((offset) => ({ offset, length: 64 }));
  const expected = far.map((r) => Array.from(data.subarray(r.offset, r.offset + r.length)));

  it('read every span on this thread within the budget, the same bytes as the thread pool reads', async () => {
    const { reader, counts } = counted();
    const views = await readRanges(reader, far, { ...options, syncBudgetMs: 1000 });
    expect(views.map((v) => Array.from(v))).toEqual(expected);
    expect(counts).toEqual({ here: 5, pool: 0 });
  });

  it('send the spans left once the budget is spent to the thread pool', async () => {
    const { reader, counts } = counted(30);
    const views = await readRanges(reader, far, { ...options, syncBudgetMs: 50 });
    expect(views.map((v) => Array.from(v))).toEqual(expected);
    // 30 ms a read against a 50 ms budget: one or two here (a loaded machine may stretch the first), the rest in the pool.
    expect(counts.here).toBeGreaterThanOrEqual(1);
    expect(counts.here).toBeLessThanOrEqual(2);
    expect(counts.here + counts.pool).toBe(5);
  });

  it('never block without a budget: every span goes to the thread pool', async () => {
    const { reader, counts } = counted();
    await readRanges(reader, far, options);
    expect(counts).toEqual({ here: 0, pool: 5 });
  });
});

describe('scratch pool', () => {
  it('hands a returned buffer out again for a request that fits', () => {
    const pool = new ScratchPool();
    const first = pool.take(1000);
    expect(first.length).toBe(1000);
    pool.give(first);
    const second = pool.take(5000);
    expect(second.buffer).toBe(first.buffer);
  });

  it('allocates for concurrent requests and keeps at most its limit of free buffers', () => {
    const pool = new ScratchPool(1);
    const a = pool.take(10);
    const b = pool.take(10);
    expect(b.buffer).not.toBe(a.buffer);
    pool.give(a);
    pool.give(b);
    expect(pool.take(10).buffer).toBe(a.buffer);
    expect(pool.take(10).buffer).not.toBe(b.buffer);
  });

  it('keeps the larger buffer when it is full, so a larger segment than the one kept is allocated for only once', () => {
    const pool = new ScratchPool(1);
    const small = pool.take(1024 * 1024);
    pool.give(small);
    const large = pool.take(3 * 1024 * 1024);
    expect(large.buffer).not.toBe(small.buffer);
    pool.give(large);
    expect(pool.take(3 * 1024 * 1024).buffer).toBe(large.buffer);
  });

  it('never keeps a buffer above its size limit', () => {
    const pool = new ScratchPool(2, 1024 * 1024);
    const big = pool.take(3 * 1024 * 1024);
    pool.give(big);
    expect(pool.take(10).buffer).not.toBe(big.buffer);
  });
});
