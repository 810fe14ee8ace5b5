// Edits to built MP4 bytes for corruption tests: find a box by four-CC, overwrite fields, swap a box.

import { bytes, fourcc } from './boxes.js';

/** Index of the first occurrence of a four-CC in `file` (the byte after it starts the box's payload). */
export function findFourCC(file: Uint8Array, type: string, from = 0): number {
  const code = fourcc(type);
  for (let i = from; i + 4 <= file.length; i++) {
    if (file[i] === code[0] && file[i + 1] === code[1] && file[i + 2] === code[2] && file[i + 3] === code[3]) return i;
  }
  throw new Error(`four-CC ${type} not found`);
}

/** A copy of `file` with `values` written at `offset` bytes after the payload start of the first `type` box. */
export function patchBox(file: Uint8Array, type: string, offset: number, values: readonly number[]): Uint8Array {
  const copy = file.slice();
  copy.set(values, findFourCC(file, type) + 4 + offset);
  return copy;
}

/**
 * Replaces the first `type` box with `replacement` and fixes the sizes of the boxes around it.
 * Sample offsets are not moved: build with `moovAtEnd` when the replacement changes the size.
 */
export function replaceBox(file: Uint8Array, type: string, replacement: Uint8Array): Uint8Array {
  const start = findFourCC(file, type) - 4;
  const oldSize = new DataView(file.buffer, file.byteOffset).getUint32(start);
  const delta = replacement.length - oldSize;
  const out = bytes(file.subarray(0, start), replacement, file.subarray(start + oldSize));
  const view = new DataView(out.buffer);
  for (const ancestor of ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'edts']) {
    let at = 0;
    for (;;) {
      try {
        at = findFourCC(out, ancestor, at) - 4;
      } catch {
        break;
      }
      const size = view.getUint32(at);
      if (at < start && at + size > start) view.setUint32(at, size + delta);
      at += 8;
    }
  }
  return out;
}
