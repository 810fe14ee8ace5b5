// Big-endian reads over a Uint8Array with bounds checks: every overrun becomes MP4_BAD_BOX naming the box.

import { mp4Error, type ErrorCode } from '../errors.js';

/** 2^32, the weight of the high word of a 64-bit field. */
const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word that keeps a 64-bit value within Number.MAX_SAFE_INTEGER (2^53 - 1). */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/** The chunks one after the other in one new array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export function readUint16(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] << 8) | bytes[offset + 1];
}

export function readUint32(bytes: Uint8Array, offset: number): number {
  return bytes[offset] * 0x100_0000 + ((bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]);
}

export function readInt32(bytes: Uint8Array, offset: number): number {
  return readUint32(bytes, offset) | 0;
}

/** An unsigned 64-bit field as a Number; values past 2^53 cannot address a file and are MP4_OVERFLOW. */
export function readUint64(bytes: Uint8Array, offset: number, where: string): number {
  const high = readUint32(bytes, offset);
  if (high > MAX_SAFE_HIGH_WORD) {
    throw mp4Error('MP4_OVERFLOW', `${where}: a 64-bit field exceeds 2^53`, { where, highWord: high });
  }
  return high * TWO_POW_32 + readUint32(bytes, offset + 4);
}

/** A signed 64-bit field (elst v1 media_time); -1 stays -1. */
export function readInt64(bytes: Uint8Array, offset: number, where: string): number {
  const high = readInt32(bytes, offset);
  if (high > MAX_SAFE_HIGH_WORD || high < -MAX_SAFE_HIGH_WORD - 1) {
    throw mp4Error('MP4_OVERFLOW', `${where}: a signed 64-bit field is out of range`, { where, highWord: high });
  }
  return high * TWO_POW_32 + readUint32(bytes, offset + 4);
}

/** A sequential reader over one box payload; reading past the end is a malformed box. */
export class ByteCursor {
  private pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    /** The box being read, for error messages (e.g. `moov/trak/mdia/mdhd`). */
    readonly where: string,
    /** Codec configuration records report overruns as MP4_BAD_CODEC_CONFIG instead. */
    private readonly overrunCode: ErrorCode & `MP4_${string}` = 'MP4_BAD_BOX',
  ) {}

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws MP4_BAD_BOX unless `length` more bytes are available. */
  need(length: number, field = 'field'): void {
    if (length < 0 || this.pos + length > this.bytes.length) {
      throw mp4Error(this.overrunCode, `${this.where}: ${field} runs past the end of the box`, {
        where: this.where,
        field,
        offset: this.pos,
        needBytes: length,
        boxBytes: this.bytes.length,
      });
    }
  }

  skip(length: number): void {
    this.need(length, 'skipped bytes');
    this.pos += length;
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  u16(): number {
    this.need(2);
    const value = readUint16(this.bytes, this.pos);
    this.pos += 2;
    return value;
  }

  u24(): number {
    this.need(3);
    const value = (this.bytes[this.pos] << 16) | readUint16(this.bytes, this.pos + 1);
    this.pos += 3;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = readUint32(this.bytes, this.pos);
    this.pos += 4;
    return value;
  }

  i32(): number {
    this.need(4);
    const value = readInt32(this.bytes, this.pos);
    this.pos += 4;
    return value;
  }

  u64(): number {
    this.need(8);
    const value = readUint64(this.bytes, this.pos, this.where);
    this.pos += 8;
    return value;
  }

  i64(): number {
    this.need(8);
    const value = readInt64(this.bytes, this.pos, this.where);
    this.pos += 8;
    return value;
  }

  /** A view (not a copy) of the next `length` bytes. */
  take(length: number, field = 'field'): Uint8Array {
    this.need(length, field);
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  /** Version and flags of a FullBox (ISO/IEC 14496-12 §4.2). */
  fullBoxHeader(): { version: number; flags: number } {
    const version = this.u8();
    const flags = this.u24();
    return { version, flags };
  }
}
