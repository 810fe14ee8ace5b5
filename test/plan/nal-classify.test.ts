import { describe, expect, it } from 'vitest';
import { classifyAccessUnit } from '../../daemon/plan/nal-classify.js';
import { bytes, u16 } from '../helpers/boxes.js';
import { avcNal, hevcNal, nalSample } from '../helpers/mp4-builder.js';

/** SEI with one recovery_point message: payloadType 6, payloadSize 1, recovery_frame_cnt 0 and flags, then rbsp trailing bits. */
const RECOVERY_SEI = bytes([0x06, 0x06, 0x01, 0x84, 0x80]);
/** A non-IDR slice (type 1, nal_ref_idc 3): first_mb_in_slice 0, slice_type 7 (I, every slice). */
const I_SLICE = bytes([0x61, 0x88, 0x00, 0x40, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
const avc = { codec: 'avc' as const, nalLengthSize: 4 };
const hevc = { codec: 'hevc' as const, nalLengthSize: 4 };
const whole = (layout: typeof avc | typeof hevc, sample: Uint8Array) => classifyAccessUnit(layout, sample, 0, sample.length);

describe('classifyAccessUnit', () => {
  it('finds an H.264 IDR slice after an AUD, SPS and PPS', () => {
    expect(whole(avc, nalSample(avcNal(9, 1), avcNal(7, 6), avcNal(8, 3), avcNal(5)))).toEqual({ kind: 'idr' });
  });

  it('calls an H.264 slice after an SEI without a recovery point not a random access point', () => {
    expect(whole(avc, nalSample(avcNal(9, 1), avcNal(6, 10), avcNal(1)))).toEqual({ kind: 'not-idr' });
  });

  it('calls an H.264 I picture with a recovery point SEI a recovery point', () => {
    expect(whole(avc, nalSample(avcNal(9, 1), RECOVERY_SEI, I_SLICE))).toEqual({ kind: 'recovery' });
    // slice_type 2 (I, not all slices) counts as well.
    expect(whole(avc, nalSample(RECOVERY_SEI, bytes([0x61, 0xb0, 0x00])))).toEqual({ kind: 'recovery' });
  });

  it('finds the recovery point behind another SEI message in the same NAL unit', () => {
    // user_data_unregistered (5) of 3 bytes, then recovery_point (6).
    const sei = bytes([0x06, 0x05, 0x03, 1, 2, 3, 0x06, 0x01, 0x84, 0x80]);
    expect(whole(avc, nalSample(sei, I_SLICE))).toEqual({ kind: 'recovery' });
  });

  it('does not call a P or B picture a recovery point, nor an I picture without the SEI', () => {
    const pSlice = bytes([0x61, 0xa0, 0x00]); // first_mb_in_slice 0, slice_type 0 (P)
    expect(whole(avc, nalSample(RECOVERY_SEI, pSlice))).toEqual({ kind: 'not-idr' });
    expect(whole(avc, nalSample(RECOVERY_SEI, avcNal(1)))).toEqual({ kind: 'not-idr' }); // filler reads as slice_type 1 (B)
    expect(whole(avc, nalSample(avcNal(9, 1), I_SLICE))).toEqual({ kind: 'not-idr' });
  });

  it('reads an SEI again from its start when a read cut it short, so parameter sets before it do not hide its recovery point', () => {
    const sample = nalSample(avcNal(9, 1), avcNal(7, 30), avcNal(8, 6), RECOVERY_SEI, I_SLICE);
    // AUD 4 + 2, SPS 4 + 31, PPS 4 + 7: the SEI's length prefix starts at 52; a 58-byte read ends in its payload type.
    expect(classifyAccessUnit(avc, sample.subarray(0, 58), 0, sample.length)).toEqual({ kind: 'need-bytes', offsetInSample: 52, recoveryPoint: false });
    expect(classifyAccessUnit(avc, sample.subarray(52), 52, sample.length)).toEqual({ kind: 'recovery' });
  });

  it('remembers a recovery point SEI across reads, and reads again for a slice header the first read cut off', () => {
    const sample = nalSample(RECOVERY_SEI, avcNal(6, 700), I_SLICE);
    // Recovery SEI: 4 + 5 bytes; the large SEI: 4 + 701 bytes; the slice's length prefix starts at 714.
    const first = classifyAccessUnit(avc, sample.subarray(0, 64), 0, sample.length);
    expect(first).toEqual({ kind: 'need-bytes', offsetInSample: 714, recoveryPoint: true });
    const cut = classifyAccessUnit(avc, sample.subarray(0, 719), 0, sample.length); // the slice's header byte, not its body
    expect(cut).toEqual({ kind: 'need-bytes', offsetInSample: 714, recoveryPoint: true });
    expect(classifyAccessUnit(avc, sample.subarray(714), { offsetInSample: 714, recoveryPoint: true }, sample.length)).toEqual({ kind: 'recovery' });
  });

  it('judges by the first slice only', () => {
    expect(whole(avc, nalSample(avcNal(1), avcNal(5)))).toEqual({ kind: 'not-idr' });
  });

  it('asks for more bytes past a large SEI instead of reading it', () => {
    const sample = nalSample(avcNal(9, 1), avcNal(6, 700), avcNal(5));
    const first = classifyAccessUnit(avc, sample.subarray(0, 64), 0, sample.length);
    // AUD: 4 + 2 bytes; SEI: 4 + 701 bytes; the slice's length prefix starts at 711.
    expect(first).toEqual({ kind: 'need-bytes', offsetInSample: 711, recoveryPoint: false });
    expect(classifyAccessUnit(avc, sample.subarray(711, 711 + 64), 711, sample.length)).toEqual({ kind: 'idr' });
  });

  it.each([
    [19, 'idr'],
    [20, 'idr'],
    [21, 'recovery'], // CRA_NUT
    [16, 'recovery'], // BLA_W_LP
    [17, 'recovery'], // BLA_W_RADL
    [18, 'recovery'], // BLA_N_LP
    [22, 'not-idr'], // RSV_IRAP_VCL22: reserved, never a cut
    [8, 'not-idr'], // RASL_N
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
