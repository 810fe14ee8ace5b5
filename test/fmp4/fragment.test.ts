// The fragmented MP4 writer read back by the independent box reader of test/helpers: fields, offsets, flags and sizes.

import { describe, expect, it } from 'vitest';
import { fragmentSizeBytes, mediaSegment, NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS } from '../../daemon/fmp4/fragment.js';
import { box, fullBoxHeader, serialize, u32, u64 } from '../../daemon/fmp4/box.js';
import { inspectFragment, readBoxes } from '../helpers/fmp4-inspector.js';

const SAMPLES = {
  durations: [512, 512, 512, 512],
  sizes: [7, 3, 5, 1],
  sync: [1, 0, 0, 1],
  // B-frames before their reference: negative offsets need trun version 1.
  compositionOffsets: [1024, -512, 0, 512],
};
const DATA = SAMPLES.sizes.map((size, i) => new Uint8Array(size).fill(i + 1));

describe('fragmented MP4 media segments', () => {
  it('writes styp, moof and mdat whose trun lists every sample with its duration, size, sync flag and signed offset', () => {
    const bytes = Buffer.from(mediaSegment({ sequenceNumber: 7, baseDecodeTicks: 2 ** 33 + 5, samples: SAMPLES, data: DATA }));
    const fragment = inspectFragment(bytes);
    expect(fragment.topTypes).toEqual(['styp', 'moof', 'mdat']);
    expect(fragment.sequenceNumber).toBe(7);
    // tfdt version 1: a decode time past 2^32 survives.
    expect(fragment.baseDecodeTime).toBe(2 ** 33 + 5);
    expect(fragment.samples.map((s) => [s.duration, s.size, s.sync, s.compositionOffset])).toEqual([
      [512, 7, true, 1024],
      [512, 3, false, -512],
      [512, 5, false, 0],
      [512, 1, true, 512],
    ]);
    expect(fragment.samples.map((s) => s.flags)).toEqual([SYNC_SAMPLE_FLAGS, NON_SYNC_SAMPLE_FLAGS, NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS]);
    expect(fragment.dataOffsetMatchesMdat).toBe(true);
    const mdat = readBoxes(bytes).find((b) => b.type === 'mdat');
    expect([...(mdat?.body ?? [])]).toEqual(DATA.flatMap((d) => [...d]));
  });

  it('knows the size of a segment from its sample table alone, to the byte', () => {
    const input = { sequenceNumber: 1, baseDecodeTicks: 0, samples: SAMPLES };
    expect(fragmentSizeBytes(input)).toBe(mediaSegment({ ...input, data: DATA }).length);
  });

  it('refuses sample data that differs from the sample table', () => {
    const short = [...DATA.slice(0, 3), new Uint8Array(2)];
    expect(() => mediaSegment({ sequenceNumber: 1, baseDecodeTicks: 0, samples: SAMPLES, data: short })).toThrow(/differs from its sample table/);
    expect(() => mediaSegment({ sequenceNumber: 1, baseDecodeTicks: 0, samples: SAMPLES, data: DATA.slice(1) })).toThrow(/differs from its sample table/);
  });
});

describe('box builders', () => {
  it('size each box from its children and write them in call order, big-endian', () => {
    const bytes = Buffer.from(serialize(box('test', fullBoxHeader({ version: 1, flags: 0x020000 }), u32('a', 0xdeadbeef), u64('b', 2 ** 40 + 1))));
    expect(bytes.readUInt32BE(0)).toBe(bytes.length);
    expect(bytes.toString('latin1', 4, 8)).toBe('test');
    expect(bytes.readUInt32BE(8)).toBe(0x01020000);
    expect(bytes.readUInt32BE(12)).toBe(0xdeadbeef);
    expect(Number(bytes.readBigUInt64BE(16))).toBe(2 ** 40 + 1);
  });

  it('refuse a field value that does not fit its width', () => {
    expect(() => u32('sample_count', 2 ** 32)).toThrow(/sample_count out of range/);
    expect(() => u32('sample_count', -1)).toThrow(/out of range/);
    expect(() => box('toolong', u32('x', 1))).toThrow(/4 characters/);
  });
});
