import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinPackager, type BuiltinOptions } from '../../daemon/packagers/builtin.js';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { segmentFileName } from '../../daemon/layout/rendition-files.js';
import type { FileRangeReader } from '../../daemon/source/file-reader.js';
import { failureOf } from '../helpers/expect-code.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { buildMovie, simpleAudio, simpleVideo, type SimpleVideoOptions } from '../helpers/mp4-builder.js';
import { findFourCC } from '../helpers/mp4-patch.js';
import { closeSourceFiles, sourceFileOf } from '../helpers/source-file.js';
import { programStreams } from '../helpers/ts-inspector.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-builtin-unit-'));
});
afterAll(async () => {
  await closeSourceFiles();
  await fs.rm(dir, { recursive: true, force: true });
});

/** 10 s at 25 fps with a sync sample every second; slices large enough that sync samples are far apart. */
const VIDEO: SimpleVideoOptions = { frames: 250, gop: 25, sliceBytes: 6000 };

async function writeMovie(name: string, video: SimpleVideoOptions = VIDEO): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, buildMovie({ tracks: [simpleVideo(video), simpleAudio({ frames: 468 })] }));
  return file;
}

interface ReadLog {
  reads: Array<{ offset: number; length: number }>;
}

/** Reads the opened source but records every read (and parses in this thread, where reads can be seen). */
function counting(log: ReadLog): BuiltinOptions['wrapReader'] {
  return (inner) => {
    const reader: FileRangeReader = {
      sizeBytes: inner.sizeBytes,
      read: (offset, length) => {
        log.reads.push({ offset, length });
        return inner.read(offset, length);
      },
      close: () => inner.close(),
    };
    return reader;
  };
}

const signal = () => new AbortController().signal;

describe('the builtin packager', () => {
  /** The reads of a plan of `file` inside its mdat (the box headers and the moov are read apart). */
  async function probeReads(file: string): Promise<Array<{ offset: number; length: number }>> {
    const log: ReadLog = { reads: [] };
    const packager = createBuiltinPackager({ segmentDurationSec: 2, wrapReader: counting(log) });
    const { durationsSec } = await packager.plan(await sourceFileOf(file));
    expect(durationsSec.map((d) => Number(d.toFixed(3)))).toEqual([2, 2, 2, 2, 2]);
    const bytes = await fs.readFile(file);
    const mdatStart = findFourCC(bytes, 'mdat') - 4;
    const mdatEnd = mdatStart + bytes.readUInt32BE(mdatStart);
    return log.reads.filter((read) => read.offset >= mdatStart + 8 && read.offset < mdatEnd);
  }

  it('plans from the moov and one page of each cut candidate, never reading whole samples', async () => {
    const probes = await probeReads(await writeMovie('probe.mp4', { ...VIDEO, seiBytes: 700 }));
    // Candidates at 0, 2, 4, 6 and 8 s; the AUD, the SEI and the slice header fit in one read of each.
    expect(probes).toHaveLength(5);
    expect(probes.every((read) => read.length === 4096)).toBe(true);
  });

  it('reads a candidate again past an SEI longer than its first read, and only the bytes after the SEI', async () => {
    const probes = await probeReads(await writeMovie('probe-long-sei.mp4', { ...VIDEO, seiBytes: 5000, sliceBytes: 12000 }));
    // Each candidate is read twice: the AUD and the start of the SEI, then from the slice past the SEI.
    expect(probes).toHaveLength(10);
    expect(probes.every((read) => read.length <= 4096)).toBe(true);
  });

  it('does not cut at a sync sample whose first slice is not an IDR, even behind a large SEI', async () => {
    const file = await writeMovie('recovery-point.mp4', { ...VIDEO, seiBytes: 700, nonIdrSync: [50] });
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    const { durationsSec } = await packager.plan(await sourceFileOf(file));
    expect(durationsSec.map((d) => Number(d.toFixed(3)))).toEqual([3, 1, 2, 2, 2]);
  });

  it('muxes a segment by reading only the bytes of that segment', async () => {
    const file = await writeMovie('ranges.mp4');
    const src = await sourceFileOf(file);
    const log: ReadLog = { reads: [] };
    const packager = createBuiltinPackager({ segmentDurationSec: 2, wrapReader: counting(log) });
    const plan = await packager.segmentPlan(src);
    log.reads.length = 0;
    const ts = await packager.segment(src, 3, signal());
    expect(ts.length % 188).toBe(0);
    const movie = await readMovie(new MemoryReader(await fs.readFile(file)));
    const { video, audio } = plan.segments[2];
    const first = Math.min(movie.video!.samples.offsets[video!.firstSample], movie.audio!.samples.offsets[audio!.firstSample]);
    const last = Math.max(
      movie.video!.samples.offsets[video!.lastSample] + movie.video!.samples.sizes[video!.lastSample],
      movie.audio!.samples.offsets[audio!.lastSample] + movie.audio!.samples.sizes[audio!.lastSample],
    );
    expect(log.reads.length).toBeGreaterThan(0);
    for (const read of log.reads) {
      expect(read.offset).toBeGreaterThanOrEqual(first);
      expect(read.offset + read.length).toBeLessThanOrEqual(last);
    }
  });

  it('makes the same bytes for a segment alone as in a whole-rendition run', async () => {
    const file = await writeMovie('same-bytes.mp4');
    const src = await sourceFileOf(file);
    const out = await fs.mkdtemp(path.join(dir, 'out-'));
    await createBuiltinPackager({ segmentDurationSec: 2 }).packageRendition(src, out, signal());
    const alone = await createBuiltinPackager({ segmentDurationSec: 2 }).segment(src, 4, signal());
    expect(Buffer.from(alone).equals(await fs.readFile(path.join(out, segmentFileName(4))))).toBe(true);
  });

  it('keeps parsed sources in memory: a second plan reads nothing', async () => {
    const src = await sourceFileOf(await writeMovie('cached.mp4'));
    const log: ReadLog = { reads: [] };
    const packager = createBuiltinPackager({ segmentDurationSec: 2, wrapReader: counting(log) });
    await packager.plan(src);
    log.reads.length = 0;
    await packager.plan(src);
    expect(log.reads).toEqual([]);
  });

  it('forgets the least recently used source beyond its entry limit', async () => {
    const [a, b] = await Promise.all([writeMovie('lru-a.mp4'), writeMovie('lru-b.mp4')]).then((files) => Promise.all(files.map(sourceFileOf)));
    const log: ReadLog = { reads: [] };
    const packager = createBuiltinPackager({ segmentDurationSec: 2, wrapReader: counting(log), cacheLimits: { maxEntries: 1, maxWeightBytes: 1 << 30 } });
    await packager.plan(a);
    await packager.plan(b);
    log.reads.length = 0;
    await packager.plan(a);
    expect(log.reads.length).toBeGreaterThan(0);
  });

  it('treats a replaced file as a new source', async () => {
    const file = await writeMovie('replaced.mp4');
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    expect((await packager.plan(await sourceFileOf(file))).durationsSec).toHaveLength(5);
    await fs.writeFile(file, buildMovie({ tracks: [simpleVideo({ ...VIDEO, frames: 100 })] }));
    await fs.utimes(file, new Date(), new Date(Date.now() + 5000));
    expect((await packager.plan(await sourceFileOf(file))).durationsSec).toHaveLength(2);
  });

  it('declares the same streams in every segment, even after the audio has ended', async () => {
    const file = path.join(dir, 'short-audio.mp4');
    await fs.writeFile(file, buildMovie({ tracks: [simpleVideo(VIDEO), simpleAudio({ frames: 60 })] }));
    const src = await sourceFileOf(file);
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    const plan = await packager.segmentPlan(src);
    expect(plan.segments[4].audio).toBeUndefined();
    const streams = await Promise.all(plan.segments.map(async (s) => programStreams(await packager.segment(src, s.number, signal()))));
    expect(streams[0].map((s) => s.streamType)).toEqual([0x1b, 0x0f]);
    for (const segmentStreams of streams) expect(segmentStreams).toEqual(streams[0]);
  });

  it('refuses a segment whose sample has a NAL unit length past its end with MP4_BAD_SAMPLE', async () => {
    const track = simpleVideo(VIDEO);
    const broken = track.samples[60].data.slice();
    new DataView(broken.buffer).setUint32(0, 0x00ffffff); // the first NAL unit's length prefix
    const file = path.join(dir, 'bad-sample.mp4');
    await fs.writeFile(file, buildMovie({ tracks: [{ ...track, samples: track.samples.map((s, i) => (i === 60 ? { ...s, data: broken } : s)) }] }));
    const src = await sourceFileOf(file);
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    expect((await packager.segment(src, 1, signal())).length).toBeGreaterThan(0);
    const err = await failureOf(packager.segment(src, 2, signal()));
    expect([err.code, err.status]).toEqual(['MP4_BAD_SAMPLE', 422]);
  });

  it('answers NOT_FOUND for segment numbers outside the plan', async () => {
    const src = await sourceFileOf(await writeMovie('range.mp4'));
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    for (const n of [0, 6, 1.5]) expect((await failureOf(packager.segment(src, n, signal()))).code).toBe('NOT_FOUND');
  });

  it('refuses with PACKAGER_FAILED when the file changed size after it was described', async () => {
    const src = await sourceFileOf(await writeMovie('changed.mp4'));
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    const err = await failureOf(packager.plan({ ...src, sizeBytes: src.sizeBytes + 1 }));
    expect(err.code).toBe('PACKAGER_FAILED');
  });

  it('stops when its request is aborted', async () => {
    const src = await sourceFileOf(await writeMovie('abort.mp4'));
    const controller = new AbortController();
    controller.abort();
    await expect(createBuiltinPackager({ segmentDurationSec: 2 }).segment(src, 1, controller.signal)).rejects.toThrow(/abort/i);
  });

  it('names itself with the CasterPak version', async () => {
    expect(await createBuiltinPackager({ segmentDurationSec: 2 }).probe()).toMatch(/^builtin \(CasterPak \d+\.\d+\.\d+\)$/);
  });
});
