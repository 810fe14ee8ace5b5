import { describe, expect, it } from 'vitest';
import { applyBitrateFilter, parseBitrateFilter } from '../../daemon/master/bitrate-filter.js';
import { bitrates, peakSegmentBps } from '../../daemon/master/bitrate.js';
import { failureOf } from '../helpers/expect-code.js';

const seg = (sizeBytes: number, durationSec: number) => ({ sizeBytes, durationSec });

describe('peak and average bit rates', () => {
  it('averages all bytes over all seconds, in bits per second rounded up', () => {
    expect(bitrates([seg(1_000_000, 10), seg(500_001, 5)]).averageBps).toBe(Math.ceil((1_500_001 * 8) / 15));
  });

  it('takes the peak over single segments when each lasts the target duration', () => {
    expect(peakSegmentBps([seg(1_000_000, 10), seg(2_000_000, 10), seg(1_500_000, 10)])).toBe(1_600_000);
  });

  it('judges a short last segment together with its neighbour, not alone (RFC 8216 §4.1)', () => {
    // Alone, the 0.5 s tail would read 3.2 Mbit/s; with the segment before it, 1.0 Mbit/s * 10/10.5 + tail.
    const segments = [seg(1_000_000, 10), seg(1_000_000, 10), seg(200_000, 0.5)];
    expect(peakSegmentBps(segments)).toBe(Math.ceil(((1_000_000 + 200_000) * 8) / 10.5));
  });

  it('lets windows of several short segments reach half the target duration', () => {
    // Target 10 (from the 10 s segment): the two 3 s segments qualify only together (6 s >= 5 s).
    const segments = [seg(100_000, 10), seg(900_000, 3), seg(900_000, 3)];
    expect(peakSegmentBps(segments)).toBe(Math.ceil((1_800_000 * 8) / 6));
  });

  it('falls back to the whole rendition when no window reaches half the target', () => {
    expect(peakSegmentBps([seg(50_000, 0.4)])).toBe(1_000_000);
  });
});

describe('the b= bit rate filter', () => {
  it('parses lists, closed ranges and open ranges in kbps', () => {
    expect(parseBitrateFilter('300-800,1500,1200-')).toEqual([
      { kind: 'range', lowKbps: 300, highKbps: 800 },
      { kind: 'value', kbps: 1500 },
      { kind: 'range', lowKbps: 1200, highKbps: Infinity },
    ]);
  });

  it.each(['', 'abc', '300-200', '-800', '300--400', '1.5', '300,,400', '1e3'])('refuses %j with BAD_QUERY', async (value) => {
    expect((await failureOf(() => parseBitrateFilter(value))).code).toBe('BAD_QUERY');
  });

  const rates = [412_000, 1_493_000, 2_980_000, 800_400];

  it('keeps the renditions inside a range, comparing whole kbps', () => {
    expect(applyBitrateFilter(parseBitrateFilter('300-800'), rates)).toEqual([0, 3]);
    expect(applyBitrateFilter(parseBitrateFilter('1000-'), rates)).toEqual([1, 2]);
    expect(applyBitrateFilter(parseBitrateFilter('0-412'), rates)).toEqual([0]);
  });

  it('keeps the one rendition nearest to a single value', () => {
    expect(applyBitrateFilter(parseBitrateFilter('1500'), rates)).toEqual([1]);
    expect(applyBitrateFilter(parseBitrateFilter('100000'), rates)).toEqual([2]);
  });

  it('prefers the lower rendition when a value is halfway between two', () => {
    expect(applyBitrateFilter(parseBitrateFilter('1500'), [1_000_000, 2_000_000])).toEqual([0]);
  });

  it('combines terms as a union', () => {
    expect(applyBitrateFilter(parseBitrateFilter('0-500,3000'), rates)).toEqual([0, 2]);
  });

  it('keeps nothing when no rendition is inside the ranges', () => {
    expect(applyBitrateFilter(parseBitrateFilter('5000-6000'), rates)).toEqual([]);
  });
});
