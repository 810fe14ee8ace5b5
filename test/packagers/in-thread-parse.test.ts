// Where a source is parsed: small moovs on the event loop, anything past the in-thread bounds in a parse worker; idle workers end.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { IN_THREAD_BOUNDS, parseInThread } from '../../daemon/packagers/builtin/in-thread-parse.js';
import { ParsePool } from '../../daemon/packagers/builtin/parse-pool.js';
import { warmUpOn } from '../../daemon/packagers/builtin/warm-up.js';
import { demoRenditionPath } from '../../daemon/package-root.js';
import { DEFAULT_SOURCE_LIMITS } from '../../daemon/source-limits.js';
import { fdReader } from '../../daemon/source/file-reader.js';
import { assertDistFresh } from '../helpers/compiled.js';
import { buildMovie, simpleAudio, simpleVideo } from '../helpers/mp4-builder.js';
import { waitFor } from '../helpers/processes.js';
import { closeSourceFiles, sourceFileOf } from '../helpers/source-file.js';

const OPTIONS = { segmentDurationSec: 2, limits: DEFAULT_SOURCE_LIMITS };
const POOL = { size: 1, memoryLimitBytes: 128 * 1024 * 1024, timeoutSec: 60 };

let dir: string;
beforeAll(async () => {
  assertDistFresh();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-in-thread-'));
  await fs.writeFile(path.join(dir, 'small.mp4'), buildMovie({ tracks: [simpleVideo({ frames: 250, gop: 25 }), simpleAudio({ frames: 468 })] }));
  // More samples than the in-thread bound, far fewer than limits.max_samples.
  await fs.writeFile(path.join(dir, 'many.mp4'), buildMovie({ tracks: [simpleVideo({ frames: IN_THREAD_BOUNDS.maxSamples + 1000, gop: 250, sliceBytes: 1 })] }));
  // Every sync sample is a non-IDR slice: the planner repeats its walk once per candidate.
  const frames = 2_000;
  const video = simpleVideo({ frames, gop: 1, nonIdrSync: Array.from({ length: frames }, (_, i) => i) });
  await fs.writeFile(path.join(dir, 'probe-heavy.mp4'), buildMovie({ tracks: [video] }));
});
afterAll(async () => {
  await closeSourceFiles();
  await fs.rm(dir, { recursive: true, force: true });
});

const readerOf = async (name: string) => {
  const src = await sourceFileOf(path.join(dir, name));
  return { src, reader: fdReader(src.handle.fd, src.sizeBytes, src.relPath) };
};

describe('parsing on the event loop', () => {
  it('plans a small source in this thread, as a worker would', async () => {
    const { src, reader } = await readerOf('small.mp4');
    const here = await parseInThread(reader, OPTIONS);
    const pool = new ParsePool(POOL);
    try {
      const there = await pool.run({ fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: src.relPath, ...OPTIONS });
      expect(here?.plan).toEqual(there.plan);
    } finally {
      await pool.close();
    }
  });

  it('declines a source with more samples than the in-thread bound, or one that needs many batches of IDR probes', async () => {
    expect(await parseInThread((await readerOf('many.mp4')).reader, OPTIONS)).toBeUndefined();
    expect(await parseInThread((await readerOf('probe-heavy.mp4')).reader, OPTIONS)).toBeUndefined();
  });

  it('lets the builtin packager start no worker for a small source and one worker for a declined one, with the same plan either way', async () => {
    const pool = new ParsePool(POOL);
    const packager = createBuiltinPackager({ segmentDurationSec: 2, parsePool: pool });
    const workersOnly = createBuiltinPackager({ segmentDurationSec: 2, parsePool: pool, inThread: false });
    try {
      const small = await sourceFileOf(path.join(dir, 'small.mp4'));
      const smallPlan = await packager.segmentPlan(small);
      expect(pool.stats.started).toBe(0);
      const many = await sourceFileOf(path.join(dir, 'many.mp4'));
      expect((await packager.segmentPlan(many)).segments.length).toBeGreaterThan(0);
      expect(pool.stats.started).toBe(1);
      expect(await workersOnly.segmentPlan(small)).toEqual(smallPlan);
    } finally {
      await pool.close();
    }
  });
});

describe('the parse workers between parses', () => {
  it('end a worker that stays idle for idleSec, and start one again for the next parse', async () => {
    const pool = new ParsePool({ ...POOL, idleSec: 0.2 });
    try {
      const { src } = await readerOf('small.mp4');
      const job = { fd: src.handle.fd, sizeBytes: src.sizeBytes, relPath: src.relPath, ...OPTIONS };
      await pool.run(job);
      expect(pool.workerIds()).toHaveLength(1);
      await waitFor('the idle worker to end', () => (pool.workerIds().length === 0 ? true : undefined), 10_000);
      await pool.run(job);
      expect(pool.stats).toEqual({ started: 2, replaced: 0 });
    } finally {
      await pool.close();
    }
  });
});

describe('the start-up warm-up', () => {
  it('runs on the bundled demo rendition and reports a missing file as no warm-up', async () => {
    expect(await warmUpOn(demoRenditionPath(), { segmentDurationSec: 10, limits: DEFAULT_SOURCE_LIMITS, rounds: 2 })).toBe(true);
    expect(await warmUpOn(path.join(dir, 'missing.mp4'), { segmentDurationSec: 10, limits: DEFAULT_SOURCE_LIMITS, rounds: 2 })).toBe(false);
  });
});
