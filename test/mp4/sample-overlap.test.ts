import { describe, expect, it } from 'vitest';
import { isCasterpakError } from '../../daemon/errors.js';
import { checkSamplesDisjoint, type PlacedTrack } from '../../daemon/mp4/sample-overlap.js';
import type { SampleTable } from '../../daemon/mp4/types.js';
import { seededRandom } from '../helpers/fuzz.js';

function track(where: string, extents: ReadonlyArray<readonly [number, number]>): PlacedTrack {
  const count = extents.length;
  const samples: SampleTable = {
    count,
    offsets: Float64Array.from(extents, ([offset]) => offset),
    sizes: Uint32Array.from(extents, ([, size]) => size),
    dts: new Float64Array(count),
    cts: new Int32Array(count),
    durations: new Uint32Array(count),
    sync: new Uint8Array(count),
  };
  return { where, samples };
}

/** The oracle: some two non-empty samples share a byte. */
function overlapsByPairs(extents: ReadonlyArray<readonly [number, number]>): boolean {
  return extents.some(([a, aSize], i) => aSize > 0 && extents.some(([b, bSize], j) => j !== i && bSize > 0 && a < b + bSize && b < a + aSize));
}

function refuses(tracks: PlacedTrack[]): boolean {
  try {
    checkSamplesDisjoint(tracks);
    return false;
  } catch (err) {
    if (isCasterpakError(err) && err.code === 'MP4_LIMIT') return true;
    throw err;
  }
}

describe('checkSamplesDisjoint', () => {
  it('accepts interleaved tracks laid out in order, touching end to start', () => {
    expect(refuses([track('v', [[0, 10], [15, 5], [30, 1]]), track('a', [[10, 5], [20, 10], [31, 0]])])).toBe(false);
  });

  it('refuses a sample that shares one byte with the other track', () => {
    expect(refuses([track('v', [[0, 10], [20, 5]]), track('a', [[9, 5]])])).toBe(true);
  });

  it('accepts empty samples anywhere, even inside another sample', () => {
    expect(refuses([track('v', [[0, 10], [5, 0], [10, 3]]), track('a', [[2, 0]])])).toBe(false);
  });

  it('agrees with comparing every pair, for random layouts in and out of order', () => {
    const random = seededRandom(20251201);
    for (let n = 0; n < 2000; n++) {
      const extents = Array.from({ length: 1 + Math.floor(random() * 12) }, (): [number, number] => [Math.floor(random() * 200), Math.floor(random() * 30)]);
      if (random() < 0.5) extents.sort((x, y) => x[0] - y[0]);
      const split = Math.floor(random() * extents.length);
      const tracks = [track('v', extents.slice(0, split)), track('a', extents.slice(split))];
      expect(refuses(tracks), JSON.stringify(extents)).toBe(overlapsByPairs(extents));
    }
  });
});
