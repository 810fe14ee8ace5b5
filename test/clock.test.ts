import { describe, expect, it } from 'vitest';
import { ticksTo90k } from '../daemon/clock.js';

describe('clock', () => {
  it('converts NTSC frame durations to whole 90 kHz ticks', () => {
    expect(ticksTo90k(1001, 30000)).toBe(3003);
    expect(ticksTo90k(1001 * 1000, 30000)).toBe(3003000);
  });

  it('rounds to the nearest 90 kHz tick (one AAC frame at 44.1 kHz is 2089.8 ticks)', () => {
    expect(ticksTo90k(1024, 44100)).toBe(2090);
    expect(ticksTo90k(1024 * 44100, 44100)).toBe(1024 * 90000);
  });

  it('keeps negative times (pre-roll before an edit) exact', () => {
    expect(ticksTo90k(-6400, 12800)).toBe(-45000);
    expect(ticksTo90k(-1, 48000)).toBe(-2);
  });

  it('stays exact for times whose product with 90000 would pass 2^53', () => {
    // Oracle: round-half-up of the exact rational ticks * 90000 / timescale, in BigInt.
    const exact = (ticks: number, timescale: number) => (BigInt(ticks) * 180000n + BigInt(timescale)) / (2n * BigInt(timescale));
    for (const [ticks, timescale] of [[2 ** 50 + 7, 1_000_000_007], [2 ** 52 - 1, 90_000], [123_456_789_012_345, 48_000]]) {
      expect(BigInt(ticksTo90k(ticks, timescale))).toBe(exact(ticks, timescale));
    }
  });
});
