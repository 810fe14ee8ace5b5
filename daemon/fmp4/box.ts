// Box builders for writing ISO BMFF (ISO/IEC 14496-12 §4.2): calls nest like the box tree, sizes are known before writing (pure).
//
//   box('mfhd',
//     fullBoxHeader({ version: 0, flags: 0 }),
//     u32('sequence_number', n),
//   )
//
// Every part knows its size, so a whole file is sized first and written once into one buffer; the
// field names only document the layout (they are what the spec calls each field).

import { CasterpakError } from '../errors.js';

/** A run of bytes of a known length that writes itself at an offset. */
export interface Part {
  readonly sizeBytes: number;
  write(out: Uint8Array, view: DataView, offset: number): void;
}

/** size (32) + type (32): every box written here is under 4 GiB, so largesize is never needed. */
const BOX_HEADER_BYTES = 8;

function sumSizes(parts: readonly Part[]): number {
  return parts.reduce((sum, part) => sum + part.sizeBytes, 0);
}

/**
 * A box's header alone, for a payload of `payloadBytes` that follows it but is written elsewhere (an
 * mdat's sample data, handed to the file straight from the buffer it was read into).
 */
export function boxHeader(type: string, payloadBytes: number): Part {
  if (type.length !== 4) throw new CasterpakError('PACKAGER_FAILED', `box type must be 4 characters, got '${type}'`, { type });
  const boxBytes = BOX_HEADER_BYTES + payloadBytes;
  return {
    sizeBytes: BOX_HEADER_BYTES,
    write(out, view, offset) {
      view.setUint32(offset, boxBytes);
      for (let i = 0; i < 4; i++) out[offset + 4 + i] = type.charCodeAt(i);
    },
  };
}

export function box(type: string, ...children: Part[]): Part {
  const childBytes = sumSizes(children);
  const header = boxHeader(type, childBytes);
  const sizeBytes = BOX_HEADER_BYTES + childBytes;
  return {
    sizeBytes,
    write(out, view, offset) {
      header.write(out, view, offset);
      let pos = offset + BOX_HEADER_BYTES;
      for (const child of children) {
        child.write(out, view, pos);
        pos += child.sizeBytes;
      }
    },
  };
}

/** FullBox (§4.2.2): version (8) and flags (24). */
export function fullBoxHeader(header: { version: number; flags: number }): Part {
  return {
    sizeBytes: 4,
    write(_out, view, offset) {
      view.setUint32(offset, ((header.version & 0xff) << 24 | (header.flags & 0xffffff)) >>> 0);
    },
  };
}

function integer(bytes: 1 | 2 | 4, value: number, name: string): Part {
  const max = 2 ** (bytes * 8);
  if (!Number.isInteger(value) || value < 0 || value >= max) {
    throw new CasterpakError('PACKAGER_FAILED', `field ${name} out of range: ${value}`, { name, value });
  }
  return {
    sizeBytes: bytes,
    write(_out, view, offset) {
      if (bytes === 1) view.setUint8(offset, value);
      else if (bytes === 2) view.setUint16(offset, value);
      else view.setUint32(offset, value);
    },
  };
}

export const u8 = (name: string, value: number): Part => integer(1, value, name);
export const u16 = (name: string, value: number): Part => integer(2, value, name);
export const u32 = (name: string, value: number): Part => integer(4, value, name);

export function i32(name: string, value: number): Part {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) {
    throw new CasterpakError('PACKAGER_FAILED', `field ${name} out of range: ${value}`, { name, value });
  }
  return { sizeBytes: 4, write: (_out, view, offset) => view.setInt32(offset, value) };
}

/** 64-bit unsigned; values stay below 2^53 (media times and offsets of real files). */
export function u64(name: string, value: number): Part {
  if (!Number.isSafeInteger(value) || value < 0) throw new CasterpakError('PACKAGER_FAILED', `field ${name} out of range: ${value}`, { name, value });
  return {
    sizeBytes: 8,
    write(_out, view, offset) {
      view.setUint32(offset, Math.floor(value / 2 ** 32));
      view.setUint32(offset + 4, value % 2 ** 32);
    },
  };
}

/** A four-character code (brands, handler types). */
export function fourcc(_name: string, code: string): Part {
  return {
    sizeBytes: 4,
    write(out, _view, offset) {
      for (let i = 0; i < 4; i++) out[offset + i] = code.charCodeAt(i);
    },
  };
}

/** Bytes as they are (copied config payloads, sample data). */
export function bytes(_name: string, data: Uint8Array): Part {
  return { sizeBytes: data.length, write: (out, _view, offset) => out.set(data, offset) };
}

/** `count` zero bytes (reserved fields, pre_defined, empty names). */
export function zeros(_name: string, count: number): Part {
  return { sizeBytes: count, write: (out, _view, offset) => out.fill(0, offset, offset + count) };
}

/** Several parts in a row: a table of entries, or a group of fields that belong together. */
export function parts(...items: Part[]): Part {
  return group(items);
}

function group(items: readonly Part[]): Part {
  const sizeBytes = sumSizes(items);
  return {
    sizeBytes,
    write(out, view, offset) {
      let pos = offset;
      for (const item of items) {
        item.write(out, view, pos);
        pos += item.sizeBytes;
      }
    },
  };
}

/** Writes top-level boxes into one exact-size buffer. */
export function serialize(...top: Part[]): Uint8Array {
  const whole = group(top);
  const out = new Uint8Array(whole.sizeBytes);
  whole.write(out, new DataView(out.buffer, out.byteOffset, out.byteLength), 0);
  return out;
}
