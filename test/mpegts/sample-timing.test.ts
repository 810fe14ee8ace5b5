// The nominal frame step and a track's expected end: the median step by counting or by sorting, the same either way.

import { describe, expect, it } from 'vitest';
import { dtsColumn, expectedEndDts90k, nominalStep90k } from '../../daemon/mpegts/sample-timing.js';
import { trackTimes90k, sampleTimes90k } from '../../daemon/plan/timeline.js';
import { syntheticRendition } from '../helpers/synthetic-movie.js';

/** The median step as sorting every step gives it (the upper one of an even count). */
function sortedMedian(dts90k: Float64Array): number {
  const steps = Array.from({ length: dts90k.length - 1 }, (_, i) => dts90k[i + 1] - dts90k[i]).sort((a, b) => a - b);
  return steps.length === 0 ? 0 : steps[steps.length >> 1];
}

function decodeTimes(steps: readonly number[]): Float64Array {
  const dts = new Float64Array(steps.length + 1);
  steps.forEach((step, i) => (dts[i + 1] = dts[i] + step));
  return dts;
}

describe('nominal step', () => {
  it('is the sorted median step for constant, alternating, gapped and scattered steps of every length up to 40', () => {
    const patterns: Array<(i: number) => number> = [
      () => 1920, // 48 kHz AAC
      (i) => (i % 3 === 1 ? 2090 : 2089), // 44.1 kHz AAC rounded to 90 kHz
      (i) => (i % 2 === 0 ? 3003 : 3004),
      (i) => (i === 5 ? 40_000 : i === 9 ? 0 : 3600), // a gap and a repeated time
      (i) => 1000 + ((i * 7919) % 97), // scattered: past the counted candidates, sorted
      (i) => [10, 20, 30, 40, 50][i % 5],
    ];
    for (const pattern of patterns) {
      for (let count = 0; count <= 40; count++) {
        const dts = decodeTimes(Array.from({ length: count }, (_, i) => pattern(i)));
        expect(nominalStep90k(dts), `${pattern} over ${count} steps`).toBe(sortedMedian(dts));
      }
    }
  });

  it('is 0 for one sample and none, where the expected end is the last DTS or no end at all', () => {
    expect(nominalStep90k(new Float64Array([900]))).toBe(0);
    expect(expectedEndDts90k(new Float64Array([900]))).toBe(900);
    expect(expectedEndDts90k(new Float64Array(0))).toBe(Number.NEGATIVE_INFINITY);
    expect(expectedEndDts90k([])).toBe(Number.NEGATIVE_INFINITY);
  });

  it('gives the same expected end from the muxer samples as from their decode-time column', () => {
    const samples = [0, 3600, 7200, 10_800, 18_000].map((dts90k) => ({ dts90k }));
    expect(expectedEndDts90k(samples)).toBe(21_600);
    expect(expectedEndDts90k(dtsColumn(samples))).toBe(21_600);
  });
});

describe('time columns', () => {
  it('hold for every sample what sampleTimes90k gives it, composition offsets and edit shifts included', () => {
    const { movie } = syntheticRendition({
      video: { frames: 97, timescale: 30_000, frameDuration: 1001, gop: 24, sliceBytes: () => 100, cts: (i) => (i % 4 === 0 ? 0 : ((i % 3) + 1) * 1001) },
      audio: { frames: 211, sampleRate: 44_100, frameBytes: () => 50, startTicks: 1024 },
    });
    const shifted = { ...movie.audio!, edit: { emptyDelayTicks: 441, mediaStartTicks: 2048 } };
    for (const track of [movie.video!, movie.audio!, shifted]) {
      const columns = trackTimes90k(track, 180_000);
      for (let i = 0; i < track.samples.count; i++) {
        expect({ dts90k: columns.dts90k[i], pts90k: columns.pts90k[i] }).toEqual(sampleTimes90k(track, i, 180_000));
      }
    }
  });
});
