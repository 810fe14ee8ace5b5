// The content check of a log position: a hash of the file's first bytes and of the bytes just before the offset.

import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes hashed at each end. An inode number is reused as soon as a file is deleted (docs/cache-and-log-rules.md#tail-identity), and
 * a log truncated and rewritten keeps its inode: only content tells the files apart. nginx's lines start with
 * a millisecond timestamp, so 512 bytes at each end never match by chance.
 */
export const CHECK_WINDOW_BYTES = 512;

/** The bytes that decide the check hash at the current offset, kept up to date as lines are consumed. */
export class CheckWindow {
  private constructor(
    /** The file's first bytes, up to CHECK_WINDOW_BYTES. */
    private head: Buffer,
    /** The last bytes before the offset, up to CHECK_WINDOW_BYTES. */
    private tail: Buffer,
  ) {}

  static empty(): CheckWindow {
    return new CheckWindow(Buffer.alloc(0), Buffer.alloc(0));
  }

  /** Reads both windows of `offset` from an open file. */
  static async read(handle: FileHandle, offset: number): Promise<CheckWindow> {
    const headLength = Math.min(CHECK_WINDOW_BYTES, offset);
    const tailLength = Math.min(CHECK_WINDOW_BYTES, offset);
    const head = await readExactly(handle, 0, headLength);
    const tail = await readExactly(handle, offset - tailLength, tailLength);
    return new CheckWindow(head, tail);
  }

  /** The window after consuming `bytes` (which follow the current offset). Does not modify this one. */
  advance(bytes: Buffer): CheckWindow {
    const head = this.head.length < CHECK_WINDOW_BYTES ? Buffer.concat([this.head, bytes.subarray(0, CHECK_WINDOW_BYTES - this.head.length)]) : this.head;
    const tail = bytes.length >= CHECK_WINDOW_BYTES
      ? Buffer.from(bytes.subarray(bytes.length - CHECK_WINDOW_BYTES))
      : Buffer.concat([this.tail, bytes]).subarray(-CHECK_WINDOW_BYTES);
    return new CheckWindow(Buffer.from(head), Buffer.from(tail));
  }

  hash(): string {
    return checkHash(this.head, this.tail);
  }

  /** True when the file still holds the same bytes before `offset` as this window remembers. */
  async matches(handle: FileHandle, offset: number): Promise<boolean> {
    const tail = await readExactly(handle, offset - this.tail.length, this.tail.length);
    return tail.equals(this.tail);
  }
}

export function checkHash(head: Buffer, tail: Buffer): string {
  return createHash('sha1').update(head).update(Buffer.from([0])).update(tail).digest('hex');
}

/** The check hash of `offset` in an open file, or undefined when the file is shorter than `offset`. */
export async function checkHashAt(handle: FileHandle, offset: number): Promise<string | undefined> {
  const stat = await handle.stat();
  if (stat.size < offset) return undefined;
  return (await CheckWindow.read(handle, offset)).hash();
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
