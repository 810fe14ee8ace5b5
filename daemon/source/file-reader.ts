// A RangeReader over a local file: positional reads through one open FileHandle, never the whole file.

import { read as readFd, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { mp4Error } from '../errors.js';
import type { RangeReader } from '../mp4/types.js';

export interface FileRangeReader extends RangeReader {
  /** With `target` (exactly `length` bytes), reads into it instead of allocating, and returns it. */
  read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array>;
  /** The same read on this thread, blocking it: for callers that bound how long they block (see readRanges). */
  readSync?(offset: number, length: number, target?: Uint8Array): Uint8Array;
  close(): Promise<void>;
}

/** One positional read call: fills buffer[at, at + length) from file offset `position`, returns the bytes read. */
type Pread = (buffer: Uint8Array, at: number, length: number, position: number) => Promise<number>;

/** pread may return fewer bytes than asked; loops until the range is complete or the file ends. */
async function readFully(pread: Pread, label: string, offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
  const buffer = target && target.length === length ? target : new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = await pread(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) {
      throw mp4Error('MP4_TRUNCATED', `the file ended at byte ${offset + filled} while reading ${length} bytes at ${offset}`, { path: label, offset, length });
    }
    filled += bytesRead;
  }
  return buffer;
}

/** readFully on this thread: pread(2) straight from the calling thread, no trip through libuv's pool. */
function readFullySync(fd: number, label: string, offset: number, length: number, target?: Uint8Array): Uint8Array {
  const buffer = target && target.length === length ? target : new Uint8Array(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = readSync(fd, buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) {
      throw mp4Error('MP4_TRUNCATED', `the file ended at byte ${offset + filled} while reading ${length} bytes at ${offset}`, { path: label, offset, length });
    }
    filled += bytesRead;
  }
  return buffer;
}

class FileHandleReader implements FileRangeReader {
  constructor(
    private readonly handle: FileHandle,
    readonly sizeBytes: number,
    private readonly path: string,
    private readonly owned = true,
  ) {}

  read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array> {
    const pread: Pread = async (buffer, at, count, position) => (await this.handle.read(buffer, at, count, position)).bytesRead;
    return readFully(pread, this.path, offset, length, target);
  }

  readSync(offset: number, length: number, target?: Uint8Array): Uint8Array {
    return readFullySync(this.handle.fd, this.path, offset, length, target);
  }

  /** Closes the file only when this reader opened it; a borrowed handle stays with its owner. */
  close(): Promise<void> {
    return this.owned ? this.handle.close() : Promise.resolve();
  }
}

/** Reads through a handle someone else owns (an opened source); `close` leaves it open. */
export function handleReader(handle: FileHandle, sizeBytes: number, label: string): FileRangeReader {
  return new FileHandleReader(handle, sizeBytes, label, false);
}

const preadFd = promisify(readFd);

/**
 * Reads through a bare descriptor number (a worker thread reads the main thread's open source: descriptors
 * belong to the process). Never closes it.
 */
export function fdReader(fd: number, sizeBytes: number, label: string): FileRangeReader {
  const pread: Pread = async (buffer, at, count, position) => (await preadFd(fd, buffer, at, count, position)).bytesRead;
  return {
    sizeBytes,
    read: (offset, length, target) => readFully(pread, label, offset, length, target),
    readSync: (offset, length, target) => readFullySync(fd, label, offset, length, target),
    close: () => Promise.resolve(),
  };
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
