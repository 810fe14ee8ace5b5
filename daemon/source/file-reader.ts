// A RangeReader over a local file: positional reads through one open FileHandle, never the whole file.

import { open, type FileHandle } from 'node:fs/promises';
import { mp4Error } from '../errors.js';
import type { RangeReader } from '../mp4/types.js';

export interface FileRangeReader extends RangeReader {
  /** With `target` (exactly `length` bytes), reads into it instead of allocating, and returns it. */
  read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

class FileHandleReader implements FileRangeReader {
  constructor(
    private readonly handle: FileHandle,
    readonly sizeBytes: number,
    private readonly path: string,
  ) {}

  async read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    const buffer = target && target.length === length ? target : new Uint8Array(length);
    let filled = 0;
    // pread may return fewer bytes than asked; loop until the range is complete or the file ends.
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, offset + filled);
      if (bytesRead === 0) {
        throw mp4Error('MP4_TRUNCATED', `the file ended at byte ${offset + filled} while reading ${length} bytes at ${offset}`, {
          path: this.path,
          offset,
          length,
        });
      }
      filled += bytesRead;
    }
    return buffer;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Opens `path` for ranged reads; the size is taken from the open handle, so it matches what is read. */
export async function openFileReader(path: string): Promise<FileRangeReader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return new FileHandleReader(handle, size, path);
  } catch (err) {
    await handle.close();
    throw err;
  }
}
