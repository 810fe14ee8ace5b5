// Box builders for tests: calls nest like the box tree, fields are written big-endian one helper per width.

import { concatBytes } from '../../daemon/mp4/bytes.js';

/** A piece of a box payload: bytes, a list of byte values, or nested pieces. */
export type Part = Uint8Array | readonly number[] | readonly Part[];

function flatten(parts: readonly Part[], out: Uint8Array[]): Uint8Array[] {
  for (const part of parts) {
    if (part instanceof Uint8Array) out.push(part);
    else if (part.length > 0 && typeof part[0] !== 'number') flatten(part as readonly Part[], out);
    else out.push(Uint8Array.from(part as readonly number[]));
  }
  return out;
}

export function bytes(...parts: Part[]): Uint8Array {
  return concatBytes(flatten(parts, []));
}

export const u8 = (value: number): number[] => [value & 0xff];
export const u16 = (value: number): number[] => [(value >>> 8) & 0xff, value & 0xff];
export const u24 = (value: number): number[] => [(value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
export const u32 = (value: number): number[] => [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
export const i32 = (value: number): number[] => u32(value >>> 0);
export const u64 = (value: number): number[] => [...u32(Math.floor(value / 2 ** 32)), ...u32(value % 2 ** 32)];
export const i64 = (value: number): number[] => (value < 0 ? [...u32(Math.floor(value / 2 ** 32) >>> 0), ...u32(((value % 2 ** 32) + 2 ** 32) % 2 ** 32)] : u64(value));
export const fourcc = (text: string): number[] => Array.from(text, (ch) => ch.charCodeAt(0));
export const zeros = (count: number): number[] => new Array(count).fill(0);

/** A box with a 32-bit size. */
export function box(type: string, ...parts: Part[]): Uint8Array {
  const payload = bytes(...parts);
  return bytes(u32(8 + payload.length), fourcc(type), payload);
}

/** A FullBox: version (8) and flags (24) before the fields. */
export function fullBox(type: string, version: number, flags: number, ...parts: Part[]): Uint8Array {
  return box(type, u8(version), u24(flags), ...parts);
}

/** A box written with size = 1 and a 64-bit largesize. */
export function largeBox(type: string, ...parts: Part[]): Uint8Array {
  const payload = bytes(...parts);
  return bytes(u32(1), fourcc(type), u64(16 + payload.length), payload);
}

/** A box written with size = 0 ("to the end of the file"). */
export function openEndedBox(type: string, ...parts: Part[]): Uint8Array {
  return bytes(u32(0), fourcc(type), ...parts);
}
