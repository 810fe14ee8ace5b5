import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKeyframeRanges } from '../../daemon/master/iframe-ranges.js';
import { segmentSizeBytes } from '../../daemon/master/segment-bytes.js';
import { keyframeRanges, layoutSizeBytes } from '../../daemon/mpegts/layout.js';
import { muxLayout, muxSegment } from '../../daemon/mpegts/muxer.js';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { readSegmentInput } from '../../daemon/packagers/builtin/segment-input.js';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { newIdrMarks } from '../../daemon/plan/types.js';
import { openFileReader } from '../../daemon/source/file-reader.js';
import { ScratchPool } from '../../daemon/source/scratch-pool.js';
import { GOOD_MEDIA, makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { sourceFileOf } from '../helpers/source-file.js';

const signal = () => new AbortController().signal;

beforeAll(() => makeMedia(Object.keys(GOOD_MEDIA)), 240_000);
afterAll(removeMediaDir);

describe.each(Object.keys(GOOD_MEDIA))('the segment layout of %s', (name) => {
  it.each([2, 6])('predicted from the moov alone, equals the length of every segment the builtin packager writes at %i s', async (segmentSec) => {
    const src = await sourceFileOf(await mediaFile(name));
    const packager = createBuiltinPackager({ segmentDurationSec: segmentSec });
    const { movie, plan } = await packager.plannedMovie(src);
    for (const segment of plan.segments) {
      const written = await packager.segment(src, segment.number, signal());
      expect(segmentSizeBytes(movie, segment, plan.shift90k), `segment ${segment.number}`).toBe(written.length);
    }
  });

  it("places every IDR picture where the written segment has it, from the muxer's own layout", async () => {
    const src = await sourceFileOf(await mediaFile(name));
    const plan = await createBuiltinPackager({ segmentDurationSec: 2 }).segmentPlan(src);
    const reader = await openFileReader(src.absPath);
    try {
      const movie = await readMovie(reader);
      const source = { reader, scratch: new ScratchPool(), movie, marks: newIdrMarks(movie.video?.samples.count ?? 0), plan };
      for (const segment of plan.segments) {
        const { input, release } = await readSegmentInput(source, segment);
        try {
          const layout = muxLayout(input);
          const written = muxSegment(input);
          expect(layoutSizeBytes(layout), `segment ${segment.number}`).toBe(written.length);
          expect(keyframeRanges(layout), `segment ${segment.number}`).toEqual(findKeyframeRanges(written));
        } finally {
          release();
        }
      }
    } finally {
      await reader.close();
    }
  });
});
