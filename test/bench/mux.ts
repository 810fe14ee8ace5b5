// Segment mux throughput in memory: the builtin muxer alone, its input read beforehand, no disk write.

import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxSegmentInput } from '../../daemon/mpegts/types.js';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { readSegmentInput } from '../../daemon/packagers/builtin/segment-input.js';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import type { OpenSource } from '../../daemon/source/open-source.js';
import { newIdrMarks } from '../../daemon/plan/types.js';
import { openFileReader } from '../../daemon/source/file-reader.js';
import { ScratchPool } from '../../daemon/source/scratch-pool.js';
import type { BenchRow } from './table.js';

const SEGMENTS = 12;
const ROUNDS = 5;

/** Inputs of `SEGMENTS` segments spread over the rendition, each in its own buffer (the pool holds none back). */
async function inputs(src: OpenSource, segmentDurationSec: number): Promise<MuxSegmentInput[]> {
  const plan = await createBuiltinPackager({ segmentDurationSec, wrapReader: (reader) => reader }).segmentPlan(src);
  const reader = await openFileReader(src.absPath);
  try {
    const movie = await readMovie(reader);
    const source = { reader, scratch: new ScratchPool(0), movie, marks: newIdrMarks(movie.video?.samples.count ?? 0), plan };
    const picked = Array.from({ length: Math.min(SEGMENTS, plan.segments.length) }, (_, k) => plan.segments[Math.floor((k * plan.segments.length) / SEGMENTS)]);
    const read: MuxSegmentInput[] = [];
    for (const segment of picked) read.push((await readSegmentInput(source, segment)).input);
    return read;
  } finally {
    await reader.close();
  }
}

/** Best of `ROUNDS` rounds over the same inputs, in MB of TS out per second of muxing. */
export async function muxThroughputRow(src: OpenSource, segmentDurationSec: number): Promise<BenchRow> {
  const segments = await inputs(src, segmentDurationSec);
  let best = 0;
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    bytes = 0;
    const start = performance.now();
    for (const input of segments) bytes += muxSegment(input).length;
    best = Math.max(best, bytes / 1e6 / ((performance.now() - start) / 1000));
  }
  return {
    figure: `Segment mux throughput in memory (${segments.length} segments, best of ${ROUNDS})`,
    casterpak: `${best.toFixed(0)} MB/s`,
    reference: `${(bytes / segments.length / 1e6).toFixed(1)} MB per segment`,
    ratio: '-',
    target: '-',
  };
}
