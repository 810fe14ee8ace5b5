// One track's CMAF segment of a finely interleaved file (ffmpeg's: audio between pictures) reads about that track's bytes, not the whole segment.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinPackager, type BuiltinOptions } from '../../daemon/packagers/builtin.js';
import type { FileRangeReader } from '../../daemon/source/file-reader.js';
import { makeClip } from '../helpers/clip.js';
import { closeSourceFiles, sourceFileOf } from '../helpers/source-file.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-sparse-reads-'));
});
afterAll(async () => {
  await closeSourceFiles();
  await fs.rm(dir, { recursive: true, force: true });
});

const signal = () => new AbortController().signal;

/** The opened source's reader, every read recorded; `withSync: false` drops its on-thread reads, as a remote source has none. */
function recording(reads: number[], withSync: boolean): BuiltinOptions['wrapReader'] {
  return (inner) => {
    const reader: FileRangeReader = {
      sizeBytes: inner.sizeBytes,
      read: (offset, length, target) => {
        reads.push(length);
        return inner.read(offset, length, target);
      },
      close: () => inner.close(),
    };
    const sync = (inner as FileRangeReader).readSync?.bind(inner);
    if (withSync && sync) {
      reader.readSync = (offset, length, target) => {
        reads.push(length);
        return sync(offset, length, target);
      };
    }
    return reader;
  };
}

describe('reading one track of an interleaved file', () => {
  it('reads an audio segment as its runs of audio, skipping the pictures between them, and makes the same bytes as one coalesced read', async () => {
    const file = makeClip(path.join(dir, 'clip.mp4'), { durationSec: 4, size: '1280x720', gopFrames: 25 });
    const sparse: number[] = [];
    const dense: number[] = [];
    const local = createBuiltinPackager({ segmentDurationSec: 2, wrapReader: recording(sparse, true) });
    const remoteLike = createBuiltinPackager({ segmentDurationSec: 2, wrapReader: recording(dense, false) });
    const src = await sourceFileOf(file);
    const { movie, plan } = await local.plannedMovie(src);
    await remoteLike.plannedMovie(src);
    const audio = movie.audio!;
    const range = plan.segments[0].audio!;
    let audioBytes = 0;
    for (let i = range.firstSample; i <= range.lastSample; i++) audioBytes += audio.samples.sizes[i];
    const spanBytes = audio.samples.offsets[range.lastSample] + audio.samples.sizes[range.lastSample] - audio.samples.offsets[range.firstSample];
    // The clip is what this is about: its audio spread between pictures, over far more bytes than its own.
    expect(spanBytes).toBeGreaterThan(8 * audioBytes);

    sparse.length = 0;
    dense.length = 0;
    const made = await local.cmafSegment(src, 'audio', 1, signal());
    const madeDense = await remoteLike.cmafSegment(src, 'audio', 1, signal());
    const total = (reads: number[]) => reads.reduce((sum, n) => sum + n, 0);
    expect(total(sparse)).toBeLessThan(2 * audioBytes);
    // Without on-thread reads (a remote source) the samples are still read coalesced, in few requests.
    expect(total(dense)).toBeGreaterThan(4 * audioBytes);
    expect(dense.length).toBeLessThan(sparse.length);
    expect(Buffer.compare(Buffer.from(made), Buffer.from(madeDense))).toBe(0);
  });
});
