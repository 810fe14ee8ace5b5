import { describe, expect, it } from 'vitest';
import { seiMessages, unescapeRbsp } from '../../daemon/mp4/nal-syntax.js';

describe('NAL unit syntax', () => {
  it('drops each emulation prevention byte, and only those', () => {
    expect([...unescapeRbsp(Uint8Array.of(0x00, 0x00, 0x03, 0x01, 0x00, 0x03, 0x00, 0x00, 0x03, 0x03))]).toEqual([0x00, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00, 0x03]);
  });

  it('walks SEI messages with 0xFF-extended types and sizes, stopping at the trailing bits', () => {
    const big = new Uint8Array(300).fill(7);
    const rbsp = Uint8Array.of(6, 2, 0xaa, 0xbb, 0xff, 0x05, 0xff, 0x2d, ...big, 0x80, 4, 1, 9);
    const messages = [...seiMessages(rbsp)];
    expect(messages.map((m) => m.type)).toEqual([6, 260]);
    expect([...messages[0].payload]).toEqual([0xaa, 0xbb]);
    expect(messages[1].payload.length).toBe(300);
  });

  it('ends the walk where a type or a size runs past the bytes, and cuts a payload the bytes do not hold', () => {
    expect([...seiMessages(Uint8Array.of(0xff, 0xff))]).toEqual([]);
    const [cut] = [...seiMessages(Uint8Array.of(4, 10, 1, 2, 3))];
    expect(cut.type).toBe(4);
    expect([...cut.payload]).toEqual([1, 2, 3]);
  });
});
