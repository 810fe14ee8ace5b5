// The parse workers: reused, queued beyond their number, and handing the sample tables over without copies.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../../daemon/source-limits.js';
import { parseAndPlan, transferableBuffers } from '../../daemon/packagers/builtin/parse-and-plan.js';
import { DEFAULT_PARSE_POOL, ParsePool } from '../../daemon/packagers/builtin/parse-pool.js';
import { fdReader } from '../../daemon/source/file-reader.js';
import { writeHugeMoovMovie } from '../helpers/huge-moov.js';
import { buildMovie, simpleAudio, simpleVideo } from '../helpers/mp4-builder.js';
import { assertDistFresh } from '../helpers/compiled.js';
import { closeSourceFiles, sourceFileOf } from '../helpers/source-file.js';

/** Limits far above these crafted files, so that the worker's own memory bound is what refuses them. */
const UNBOUNDED: SourceLimits = { ...DEFAULT_SOURCE_LIMITS, maxSegments: 1e9, maxPlaylistBytes: 1e12, maxSamples: 1e9 };

let dir: string;
let file: string;
beforeAll(async () => {
  // The workers run the compiled parse-worker.js in dist/.
  assertDistFresh();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-parse-pool-'));
  file = path.join(dir, 'clip.mp4');
  await fs.writeFile(file, buildMovie({ tracks: [simpleVideo({ frames: 250, gop: 25 }), simpleAudio({ frames: 468 })] }));
});
afterAll(async () => {
  await closeSourceFiles();
  await fs.rm(dir, { recursive: true, force: true });
});

const OPTIONS = { memoryLimitBytes: 64 * 1024 * 1024, timeoutSec: 30 };

describe('the parse pool', () => {
  it('parses in a worker what the main thread would, and reuses that worker for the next source', async () => {
    const pool = new ParsePool({ ...OPTIONS, size: 1 });
    try {
      const src = await sourceFileOf(file);
      const job = { fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: src.relPath, segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS };
      const inWorker = await pool.run(job);
      const [threadId] = pool.workerIds();
      const again = await pool.run(job);
      const inline = await parseAndPlan(fdReader(src.handle.fd, src.sizeBytes, src.relPath), { segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS });
      expect(inWorker.plan).toEqual(inline.plan);
      expect(Array.from(again.movie.video!.samples.offsets)).toEqual(Array.from(inline.movie.video!.samples.offsets));
      expect(Array.from(inWorker.marks)).toEqual(Array.from(inline.marks));
      expect(pool.workerIds()).toEqual([threadId]);
      expect(pool.stats).toEqual({ started: 1, replaced: 0 });
    } finally {
      await pool.close();
    }
  });

  it('queues parses beyond its number of workers', async () => {
    const pool = new ParsePool({ ...OPTIONS, size: 1 });
    try {
      const src = await sourceFileOf(file);
      const job = { fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: src.relPath, segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS };
      const results = await Promise.all([pool.run(job), pool.run(job), pool.run(job)]);
      expect(results.map((r) => r.plan.segments.length)).toEqual([5, 5, 5]);
      expect(pool.stats.started).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('answers a parser error with its own code, and keeps the worker', async () => {
    const pool = new ParsePool({ ...OPTIONS, size: 1 });
    try {
      const text = path.join(dir, 'text.mp4');
      await fs.writeFile(text, 'not a movie\n'.repeat(50));
      const src = await sourceFileOf(text);
      await expect(pool.run({ fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: 'text.mp4', segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS })).rejects.toMatchObject({ code: 'MP4_NO_MOOV', status: 422 });
      expect(pool.stats).toEqual({ started: 1, replaced: 0 });
    } finally {
      await pool.close();
    }
  });

  it('parses a source at the edge of the default [limits] within the default parse_memory_limit', async () => {
    // 11,990,000 one-byte AAC frames: just under limits.max_samples, so the two defaults must agree.
    const edge = path.join(dir, 'edge-of-limits.mp4');
    writeHugeMoovMovie(edge, DEFAULT_SOURCE_LIMITS.maxSamples - 10_000);
    const pool = new ParsePool({ ...DEFAULT_PARSE_POOL, size: 1 });
    try {
      const src = await sourceFileOf(edge);
      const planned = await pool.run({ fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: 'edge-of-limits.mp4', segmentDurationSec: 10, limits: DEFAULT_SOURCE_LIMITS });
      expect(planned.movie.audio?.samples.count).toBe(DEFAULT_SOURCE_LIMITS.maxSamples - 10_000);
      expect(pool.stats.replaced).toBe(0);
    } finally {
      await pool.close();
      await fs.rm(edge, { force: true });
    }
  });

  it('answers PARSE_RESOURCES when a plan outgrows the worker heap, and replaces that worker', async () => {
    // A million 20-second frames: small tables, but a million planned segments, each an object on the heap.
    const big = path.join(dir, 'million-segments.mp4');
    writeHugeMoovMovie(big, 1_000_000, 48_000 * 20);
    const pool = new ParsePool({ size: 1, memoryLimitBytes: 48 * 1024 * 1024, timeoutSec: 60 });
    try {
      const src = await sourceFileOf(big);
      const err = await pool.run({ fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: 'million-segments.mp4', segmentDurationSec: 10, limits: UNBOUNDED }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PARSE_RESOURCES', status: 503 });
      expect((err as { details: { reason: string } }).details.reason).toMatch(/heap out of memory/);
      expect(pool.stats).toEqual({ started: 1, replaced: 1 });
      const small = await sourceFileOf(file);
      expect((await pool.run({ fd: small.handle.fd, sizeBytes: small.sizeBytes, relPath: 'clip.mp4', segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS })).plan.segments).toHaveLength(5);
      expect(pool.stats).toEqual({ started: 2, replaced: 1 });
    } finally {
      await pool.close();
    }
  });

  it('moves every sample table and the IDR marks across rather than copying them', async () => {
    const src = await sourceFileOf(file);
    const planned = await parseAndPlan(fdReader(src.handle.fd, src.sizeBytes, src.relPath), { segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS });
    const buffers = transferableBuffers(planned);
    for (const track of [planned.movie.video!, planned.movie.audio!]) {
      for (const column of Object.values(track.samples)) {
        if (ArrayBuffer.isView(column)) expect(buffers).toContain(column.buffer);
      }
    }
    expect(buffers).toContain(planned.marks.buffer);
    // The parameter sets are small copies; moving them would not save a copy worth having.
    expect(buffers).not.toContain(planned.movie.video!.sps[0].buffer);
  });
});
