// One open log file, known by device + inode, read in whole lines from the last committed offset.

import { open, type FileHandle } from 'node:fs/promises';
import { CheckWindow } from './check-window.js';

/** A line longer than this without a newline is not nginx's: it is dropped (counted as bad), not buffered forever. */
export const MAX_LINE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;

/** What one read produced; applied to the file with `accept` once its lines are committed. */
export interface Chunk {
  /** The complete lines read, joined by newlines, without the final newline; '' when none completed. */
  readonly text: string;
  /** The offset just after the last complete line: the position to commit. */
  readonly endOffset: number;
  /** The content check at `endOffset`. */
  readonly window: CheckWindow;
  /** Bytes of a line still being written, kept in memory and never committed (docs/cache-and-log-rules.md#tail-newline-commit). */
  readonly pending: Buffer;
  /** Bytes newly read from disk; 0 means the file had nothing more. */
  readonly bytesRead: number;
  /** Lines dropped for exceeding MAX_LINE_BYTES. */
  readonly oversizedLines: number;
  /** Still inside a dropped long line: what follows up to its newline is skipped. */
  readonly discarding: boolean;
}

export class FollowedFile {
  /** Consumed offset: lines before it have been read (and are committed, or in the flush being built). */
  offset = 0;
  window = CheckWindow.empty();
  pending: Buffer = Buffer.alloc(0);
  /** Inside a line dropped for its length (see Chunk.discarding). */
  discarding = false;
  /** File size at the last stat: with `offset`, the lag in bytes. */
  sizeSeen = 0;
  /** When this file stopped being the one at the log path (rename rotation or truncation copy). */
  rotatedAtMs: number | undefined;
  /** When the last bytes were read from it. */
  lastDataMs = 0;

  /** The position last written to SQLite: where a restart resumes, and where a failed commit rolls back to. */
  private committed = { offset: 0, window: CheckWindow.empty(), discarding: false };

  private constructor(
    readonly handle: FileHandle,
    readonly dev: number,
    readonly ino: number,
    /** Where the file was found, for log lines only: a rotated file moves. */
    readonly foundAt: string,
  ) {}

  /** Opens a file with its own descriptor, which keeps working after a rename or unlink; undefined if absent. */
  static async open(filePath: string): Promise<FollowedFile | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(filePath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const stat = await handle.stat();
    const file = new FollowedFile(handle, stat.dev, stat.ino, filePath);
    file.sizeSeen = stat.size;
    return file;
  }

  sameIdentity(other: { dev: number; ino: number }): boolean {
    return this.dev === other.dev && this.ino === other.ino;
  }

  /** Resumes at `offset` (a newline boundary), reading the content check there from disk. */
  async resumeAt(offset: number): Promise<void> {
    this.readAhead = undefined;
    this.discarding = false;
    this.offset = offset;
    this.window = await CheckWindow.read(this.handle, offset);
    this.pending = Buffer.alloc(0);
    this.markCommitted();
  }

  get committedOffset(): number {
    return this.committed.offset;
  }

  /** Records that the consumed position is now in SQLite. */
  markCommitted(): void {
    this.committed = { offset: this.offset, window: this.window, discarding: this.discarding };
  }

  /** Forgets what was consumed since the last commit: it will be read again. */
  rollback(): void {
    this.readAhead = undefined;
    this.offset = this.committed.offset;
    this.window = this.committed.window;
    this.discarding = this.committed.discarding;
    this.pending = Buffer.alloc(0);
  }

  /** The next read, started while the previous chunk is parsed: the disk works while JavaScript does. */
  private readAhead: { position: number; length: number; bytes: Promise<Buffer | undefined> } | undefined;

  private startRead(position: number, length: number): Promise<Buffer | undefined> {
    const buffer = Buffer.allocUnsafe(length);
    // A failed read-ahead is not an error: the read is simply done again when it is needed.
    return this.handle.read(buffer, 0, length, position).then(
      ({ bytesRead }) => buffer.subarray(0, bytesRead),
      () => undefined,
    );
  }

  private async readAt(position: number, length: number): Promise<Buffer> {
    const ahead = this.readAhead;
    this.readAhead = undefined;
    let fresh = ahead && ahead.position === position && ahead.length === length ? await ahead.bytes : undefined;
    if (fresh === undefined) {
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await this.handle.read(buffer, 0, length, position);
      fresh = buffer.subarray(0, bytesRead);
    }
    // A full read means the file probably has more: fetch it now.
    if (fresh.length === length) this.readAhead = { position: position + length, length, bytes: this.startRead(position + length, length) };
    return fresh;
  }

  /** Reads up to `length` bytes following the consumed offset and the pending partial line. */
  async readChunk(length: number): Promise<Chunk> {
    const fresh = await this.readAt(this.offset + this.pending.length, length);
    if (this.discarding) return this.skipRestOfLongLine(fresh);
    return this.split(this.pending.length > 0 ? Buffer.concat([this.pending, fresh]) : fresh, this.offset, this.window, fresh.length);
  }

  /** The rest of a line already dropped for its length: skipped up to its newline, never counted again. */
  private skipRestOfLongLine(fresh: Buffer): Chunk {
    const end = fresh.indexOf(NEWLINE);
    if (end === -1) {
      return { text: '', endOffset: this.offset + fresh.length, window: this.window.advance(fresh), pending: Buffer.alloc(0), bytesRead: fresh.length, oversizedLines: 0, discarding: true };
    }
    const skipped = fresh.subarray(0, end + 1);
    return this.split(fresh.subarray(end + 1), this.offset + skipped.length, this.window.advance(skipped), fresh.length);
  }

  /** Cuts `data`, which starts at `start`, after its last newline; what follows is kept as the pending line. */
  private split(data: Buffer, start: number, window: CheckWindow, bytesRead: number): Chunk {
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      if (data.length > MAX_LINE_BYTES) {
        return { text: '', endOffset: start + data.length, window: window.advance(data), pending: Buffer.alloc(0), bytesRead, oversizedLines: 1, discarding: true };
      }
      return { text: '', endOffset: start, window, pending: Buffer.from(data), bytesRead, oversizedLines: 0, discarding: false };
    }
    const complete = data.subarray(0, lastNewline + 1);
    return {
      text: complete.toString('utf8', 0, lastNewline),
      endOffset: start + complete.length,
      window: window.advance(complete),
      pending: Buffer.from(data.subarray(lastNewline + 1)),
      bytesRead,
      oversizedLines: 0,
      discarding: false,
    };
  }

  /** Moves the consumed position past the chunk's lines (committed later, with them). */
  accept(chunk: Chunk, nowMs: number): void {
    this.offset = chunk.endOffset;
    this.window = chunk.window;
    this.pending = chunk.pending;
    this.discarding = chunk.discarding;
    if (chunk.bytesRead > 0) this.lastDataMs = nowMs;
    this.sizeSeen = Math.max(this.sizeSeen, this.offset + this.pending.length);
  }

  /** Current size on disk; also refreshes `sizeSeen`. */
  async size(): Promise<number> {
    this.sizeSeen = (await this.handle.stat()).size;
    return this.sizeSeen;
  }

  /**
   * False when the bytes under the offset changed: the file was truncated (copytruncate), even if it has
   * grown past the old offset again since (docs/cache-and-log-rules.md#tail-truncation).
   */
  async unchanged(): Promise<boolean> {
    const size = await this.size();
    if (size < this.offset + this.pending.length) return false;
    return this.window.matches(this.handle, this.offset);
  }

  /** Starts the same file again from its first byte (after a truncation). */
  restartFromZero(): void {
    this.readAhead = undefined;
    this.discarding = false;
    this.offset = 0;
    this.window = CheckWindow.empty();
    this.pending = Buffer.alloc(0);
  }

  async close(): Promise<void> {
    await this.readAhead?.bytes;
    this.readAhead = undefined;
    await this.handle.close().catch(() => undefined);
  }
}
