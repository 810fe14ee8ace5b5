// The bytes a parse reads of a remote object (box headers, moov, moofs, sync-sample probes), kept on disk per object version.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The version a cache file holds: an object replaced at the origin has another one, and its file is ignored and rewritten. */
export interface CachedVersion {
  readonly version: string;
  readonly sizeBytes: number;
}

interface Piece {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

const MAGIC = 'casterpak-moov-cache 1\n';

/** One file per object (named by a hash of its address), holding the pieces read of its current version. */
export function moovCacheFile(dir: string, address: string): string {
  return path.join(dir, `${createHash('sha256').update(address).digest('hex').slice(0, 40)}.bin`);
}

/**
 * Byte ranges of one object version in memory, loaded from and saved to one file: a text header (magic,
 * then a JSON line with the version and the ranges) followed by the ranges' bytes in the same order.
 */
export class MoovCachePieces {
  private pieces: Piece[] = [];
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly expected: CachedVersion,
  ) {}

  /** The file's pieces when it holds this version; none otherwise (missing, another version, unreadable). */
  static async load(file: string, expected: CachedVersion): Promise<MoovCachePieces> {
    const cache = new MoovCachePieces(file, expected);
    const data = await fs.readFile(file).catch(() => undefined);
    if (!data || data.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) return cache;
    const lineEnd = data.indexOf(0x0a, MAGIC.length);
    try {
      const meta = JSON.parse(data.subarray(MAGIC.length, lineEnd).toString('utf8')) as CachedVersion & { ranges: Array<[number, number]> };
      if (meta.version !== expected.version || meta.sizeBytes !== expected.sizeBytes) return cache;
      // Its mtime says when it was last used: prune removes the files nobody used within the TTL.
      const now = new Date();
      await fs.utimes(file, now, now).catch(() => undefined);
      let at = lineEnd + 1;
      for (const [offset, length] of meta.ranges) {
        if (at + length > data.length) return new MoovCachePieces(file, expected);
        cache.pieces.push({ offset, bytes: new Uint8Array(data.buffer, data.byteOffset + at, length) });
        at += length;
      }
    } catch {
      return new MoovCachePieces(file, expected);
    }
    return cache;
  }

  get isEmpty(): boolean {
    return this.pieces.length === 0;
  }

  /** The range when one kept piece holds all of it. */
  find(offset: number, length: number): Uint8Array | undefined {
    for (const piece of this.pieces) {
      if (offset >= piece.offset && offset + length <= piece.offset + piece.bytes.length) {
        return piece.bytes.subarray(offset - piece.offset, offset - piece.offset + length);
      }
    }
    return undefined;
  }

  add(offset: number, bytes: Uint8Array): void {
    this.pieces.push({ offset, bytes: bytes.slice() });
    this.dirty = true;
  }

  /** Writes the pieces when some were added (temporary file and rename: a reader sees the old file or the new one). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const meta = { ...this.expected, ranges: this.pieces.map((p) => [p.offset, p.bytes.length]) };
    const tmp = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    try {
      await fs.writeFile(tmp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(meta)}\n`), ...this.pieces.map((p) => p.bytes)]));
      await fs.rename(tmp, this.file);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }
}

/** Removes cache files last used (written or loaded) before `beforeMs`; returns how many went. */
export async function removeUnusedMoovCache(dir: string, beforeMs: number): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st?.isFile() || st.mtimeMs >= beforeMs) continue;
    await fs.rm(file, { force: true });
    removed += 1;
  }
  return removed;
}
