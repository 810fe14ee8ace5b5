// A segment-at-a-time packager for tests of the segment path, built on the real ffmpeg packager's output.

import { mkdtempSync, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFfmpegPackager } from '../../daemon/packagers/ffmpeg.js';
import type { SegmentList, SegmentPackager, SourceFile } from '../../daemon/packagers/packager.js';
import { segmentFileName } from '../../daemon/plan/playlist.js';

export interface CountingSegmentPackager extends SegmentPackager {
  /** Segment numbers muxed, in call order. */
  readonly segmentCalls: number[];
}

/**
 * Plans by letting ffmpeg package the rendition once into a scratch folder, then hands out one segment per
 * call: the daemon sees exactly what a segment packager (granularity "segment") gives it.
 */
export function ffmpegSegmentPackager(segmentDurationSec: number): CountingSegmentPackager {
  const whole = createFfmpegPackager({ segmentDurationSec, ffmpegPath: 'ffmpeg' });
  const plans = new Map<string, Promise<{ dir: string; list: SegmentList }>>();
  const planOf = (src: SourceFile) => {
    const key = `${src.absPath}:${src.sizeBytes}:${src.mtimeMs}`;
    let plan = plans.get(key);
    if (!plan) {
      const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-segpack-'));
      plan = whole.packageRendition(src, dir, new AbortController().signal).then((list) => ({ dir, list }));
      plans.set(key, plan);
    }
    return plan;
  };
  const segmentCalls: number[] = [];
  return {
    name: 'builtin',
    granularity: 'segment',
    segmentCalls,
    probe: () => whole.probe(),
    packageRendition: (src, outDir, signal) => whole.packageRendition(src, outDir, signal),
    async plan(src) {
      return (await planOf(src)).list;
    },
    async segment(src, n) {
      segmentCalls.push(n);
      const { dir } = await planOf(src);
      return fs.readFile(path.join(dir, segmentFileName(n)));
    },
  };
}
