import { describe, expect, it } from 'vitest';
import { boxFromBytes, childBoxes, findChild } from '../../daemon/mp4/boxes.js';
import { isCasterpakError } from '../../daemon/errors.js';
import { box, bytes, fourcc, largeBox, openEndedBox, u32, u64 } from '../helpers/boxes.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isCasterpakError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('box walker', () => {
  it('lists children with 32-bit sizes, 64-bit largesizes and a size-0 last box', () => {
    const parent = boxFromBytes(box('moov', box('free', [1, 2, 3]), largeBox('udta', [9, 9]), openEndedBox('skip', [7, 7, 7, 7])));
    const children = childBoxes(parent);
    expect(children.map((child) => child.type)).toEqual(['free', 'udta', 'skip']);
    expect(Array.from(children[0].payload)).toEqual([1, 2, 3]);
    expect(Array.from(children[1].payload)).toEqual([9, 9]);
    expect(Array.from(children[2].payload)).toEqual([7, 7, 7, 7]);
    expect(children[1].path).toBe('moov/udta');
  });

  it('skips the 16-byte extended type of a uuid box', () => {
    const userType = new Array(16).fill(0x11);
    const parent = boxFromBytes(box('moov', box('uuid', userType, [5, 6])));
    expect(Array.from(findChild(parent, 'uuid')!.payload)).toEqual([5, 6]);
  });

  it('ignores a 4-byte zero terminator at the end of a container', () => {
    const parent = boxFromBytes(box('udta', box('free', [1]), u32(0)));
    expect(childBoxes(parent).map((child) => child.type)).toEqual(['free']);
  });

  it('rejects a child whose size runs past its parent with MP4_BAD_BOX', () => {
    const child = box('free', [1, 2, 3, 4]);
    const tooBig = bytes(u32(child.length + 10), child.subarray(4));
    expect(codeOf(() => childBoxes(boxFromBytes(box('moov', tooBig))))).toBe('MP4_BAD_BOX');
  });

  it('rejects a box whose size is smaller than its own header with MP4_BAD_BOX', () => {
    expect(codeOf(() => childBoxes(boxFromBytes(box('moov', u32(4), fourcc('free')))))).toBe('MP4_BAD_BOX');
  });

  it('rejects a largesize beyond 2^53 with MP4_OVERFLOW', () => {
    const huge = bytes(u32(1), fourcc('free'), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(codeOf(() => childBoxes(boxFromBytes(box('moov', huge))))).toBe('MP4_OVERFLOW');
  });

  it('accepts a largesize that exactly fills the parent', () => {
    const child = bytes(u32(1), fourcc('free'), u64(20), [1, 2, 3, 4]);
    expect(childBoxes(boxFromBytes(box('moov', child))).map((b) => b.payload.length)).toEqual([4]);
  });
});
