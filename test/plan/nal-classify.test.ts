import { describe, expect, it } from 'vitest';
import { classifyAccessUnit } from '../../daemon/plan/nal-classify.js';
import { bytes, u16 } from '../helpers/boxes.js';
import { avcNal, hevcNal, nalSample } from '../helpers/mp4-builder.js';

const avc = { codec: 'avc' as const, nalLengthSize: 4 };
const hevc = { codec: 'hevc' as const, nalLengthSize: 4 };
const whole = (layout: typeof avc | typeof hevc, sample: Uint8Array) => classifyAccessUnit(layout, sample, 0, sample.length);

describe('classifyAccessUnit', () => {
  it('finds an H.264 IDR slice after an AUD, SPS and PPS', () => {
    expect(whole(avc, nalSample(avcNal(9, 1), avcNal(7, 6), avcNal(8, 3), avcNal(5)))).toEqual({ kind: 'idr' });
  });

  it('calls an H.264 I slice that is not IDR (a recovery point) not an IDR', () => {
    expect(whole(avc, nalSample(avcNal(9, 1), avcNal(6, 10), avcNal(1)))).toEqual({ kind: 'not-idr' });
  });

  it('judges by the first slice only', () => {
    expect(whole(avc, nalSample(avcNal(1), avcNal(5)))).toEqual({ kind: 'not-idr' });
  });

  it('asks for more bytes past a large SEI instead of reading it', () => {
    const sample = nalSample(avcNal(9, 1), avcNal(6, 700), avcNal(5));
    const first = classifyAccessUnit(avc, sample.subarray(0, 64), 0, sample.length);
    // AUD: 4 + 2 bytes; SEI: 4 + 701 bytes; the slice's length prefix starts at 711.
    expect(first).toEqual({ kind: 'need-bytes', offsetInSample: 711 });
    expect(classifyAccessUnit(avc, sample.subarray(711, 711 + 64), 711, sample.length)).toEqual({ kind: 'idr' });
  });

  it.each([
    [19, 'idr'],
    [20, 'idr'],
    [21, 'not-idr'],
    [1, 'not-idr'],
  ])('classifies HEVC nal_unit_type %i as %s', (type, kind) => {
    expect(whole(hevc, nalSample(hevcNal(35, 1), hevcNal(32, 4), hevcNal(type)))).toEqual({ kind });
  });

  it('reads 2-byte NAL length prefixes', () => {
    const sample = bytes(u16(2), [0x09, 0xf0], u16(3), [0x65, 1, 2]);
    expect(classifyAccessUnit({ codec: 'avc', nalLengthSize: 2 }, sample, 0, sample.length)).toEqual({ kind: 'idr' });
  });

  it('never calls a sample without a slice, or with a zero-length NAL, an IDR', () => {
    expect(whole(avc, nalSample(avcNal(9, 1), avcNal(7, 4)))).toEqual({ kind: 'not-idr' });
    expect(whole(avc, bytes([0, 0, 0, 0], [0x65]))).toEqual({ kind: 'not-idr' });
  });
});
