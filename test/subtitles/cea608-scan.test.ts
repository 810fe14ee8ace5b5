// CEA-608 captions found in H.264 and HEVC SEI: GA94 cc_data with a valid, non-padding pair, through emulation prevention.

import { describe, expect, it } from 'vitest';
import { sampleHasCea608, scanCea608 } from '../../daemon/subtitles/cea608-scan.js';
import { bytes, u32, u8 } from '../helpers/boxes.js';

const GA94 = [0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03];

function ccData(triplets: number[][]): number[] {
  return [0x40 | triplets.length, 0xff, ...triplets.flat()];
}

function sei(header: number[], payloadType: number, payload: number[]): Uint8Array {
  return bytes(header, u8(payloadType), u8(payload.length), payload, u8(0x80));
}

const sample = (...nals: Uint8Array[]) => bytes(nals.map((nal) => [u32(nal.length), nal]));

describe('CEA-608 detection', () => {
  it('finds a field 1 pair in an H.264 SEI, after other SEI messages, and in an HEVC prefix SEI', () => {
    const captions = [...GA94, ...ccData([[0xfc, 0x94, 0x2c]])];
    expect(sampleHasCea608(sample(sei([0x06], 4, captions)), 4, 'avc')).toBe(true);
    const twoMessages = bytes(u8(0x06), u8(5), u8(3), [1, 2, 3], u8(4), u8(captions.length), captions, u8(0x80));
    expect(sampleHasCea608(sample(bytes(u8(0x09), u8(0xf0)), twoMessages), 4, 'avc')).toBe(true);
    expect(sampleHasCea608(sample(sei([39 << 1, 1], 4, captions)), 4, 'hevc')).toBe(true);
  });

  it('reads through emulation prevention bytes', () => {
    // cc data 0x00 0x00 0x01 would be escaped as 0x00 0x00 0x03 0x01 in the NAL unit.
    const payload = [...GA94, ...ccData([[0xfc, 0x00, 0x00], [0xfc, 0x01, 0x20]])];
    const escaped = [0x06, 4, payload.length, ...GA94, 0x42, 0xff, 0xfc, 0x00, 0x00, 0x03, 0xfc, 0x01, 0x20, 0x80];
    expect(sampleHasCea608(sample(new Uint8Array(escaped)), 4, 'avc')).toBe(true);
  });

  it('ignores padding, invalid pairs, 708-only data, other T.35 payloads and other NAL units', () => {
    expect(sampleHasCea608(sample(sei([0x06], 4, [...GA94, ...ccData([[0xfc, 0x80, 0x80]])])), 4, 'avc')).toBe(false);
    expect(sampleHasCea608(sample(sei([0x06], 4, [...GA94, ...ccData([[0xf8, 0x94, 0x2c]])])), 4, 'avc')).toBe(false);
    expect(sampleHasCea608(sample(sei([0x06], 4, [...GA94, ...ccData([[0xfe, 0x94, 0x2c]])])), 4, 'avc')).toBe(false);
    expect(sampleHasCea608(sample(sei([0x06], 4, [0xb5, 0x00, 0x2f, 0x44, 0x54, 0x47, 0x31, 0x03, 0x41, 0xff, 0xfc, 0x94, 0x2c])), 4, 'avc')).toBe(false);
    expect(sampleHasCea608(sample(bytes(u8(0x65), [0, 0, 0, 0])), 4, 'avc')).toBe(false);
    expect(sampleHasCea608(new Uint8Array([0, 0, 1, 0]), 4, 'avc')).toBe(false);
  });

  it('answers from the first bytes of a sample what the whole sample answers, or says they are not enough', () => {
    const captions = sei([0x06], 4, [...GA94, ...ccData([[0xfc, 0x94, 0x2c]])]);
    const padding = sei([0x06], 4, [...GA94, ...ccData([[0xfc, 0x80, 0x80]])]);
    const slice = bytes(u8(0x65), new Array(300).fill(0xab));
    // `cutInSlice`: the answer from the bytes up to 200 bytes into the slice data, which only NAL units after it need
    const cases = [
      { whole: sample(bytes(u8(0x09), u8(0xf0)), captions, slice), expected: 'captions', cutInSlice: 'captions' },
      { whole: sample(bytes(u8(0x09), u8(0xf0)), padding, slice), expected: 'none', cutInSlice: 'none' },
      { whole: sample(slice), expected: 'none', cutInSlice: 'none' },
      { whole: sample(slice, captions), expected: 'captions', cutInSlice: 'incomplete' },
    ];
    for (const { whole, expected, cutInSlice } of cases) {
      expect(scanCea608(whole, whole.length, 4, 'avc')).toBe(expected);
      const answers = new Set<string>();
      for (let headBytes = 0; headBytes <= whole.length; headBytes++) answers.add(scanCea608(whole.subarray(0, headBytes), whole.length, 4, 'avc'));
      expect([...answers].sort()).toEqual([expected, 'incomplete'].sort());
      const sliceStart = whole.indexOf(0x65);
      expect(scanCea608(whole.subarray(0, sliceStart + 200), whole.length, 4, 'avc')).toBe(cutInSlice);
    }
  });
});
