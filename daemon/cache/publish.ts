// Atomic publication: write under .tmp/, fsync, rename() into place. Nobody ever sees half a file.

import { randomBytes } from 'node:crypto';
import { fstatSync, promises as fs, readdirSync, renameSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileKindOf } from '../layout/rendition-files.js';
import { checkCacheFolders, cacheFileAbs, diskBytes, tmpDirAbs, TMP_DIR_NAME } from './paths.js';

/** A finished, fsynced file under .tmp/, waiting to be renamed to `cachePath`. */
export interface PreparedFile {
  readonly tmpPath: string;
  readonly cachePath: string;
  /** On-disk size (blocks), known before the rename so that its row can be written in the same transaction. */
  readonly bytes: number;
}

/** A fresh path under the cache's temporary folder, which must be a real folder, not a link to elsewhere. */
export async function newTmpPath(cacheDir: string, label: string): Promise<string> {
  checkCacheFolders(cacheDir, TMP_DIR_NAME, true);
  return path.join(tmpDirAbs(cacheDir), `${process.pid}-${randomBytes(6).toString('hex')}-${label}`);
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a finished temporary file ready to publish: fsync, then its size. */
export async function prepareTmpFile(tmpPath: string, cachePath: string): Promise<PreparedFile> {
  await fsyncFile(tmpPath);
  return { tmpPath, cachePath, bytes: diskBytes(await fs.lstat(tmpPath)) };
}

/**
 * Pieces a file is written in. One write call for a whole 10 MB segment was measured to cost the kernel
 * twice the CPU of 512 KiB pieces (the size fs.writeFile uses) on this kind of machine. So did 1 MiB
 * pieces on the daemon's miss path (the thread pool's kernel time per 11 MB segment 10.5-13 ms instead
 * of 6.5-7, the extra in the copy into the page cache), while 256 and 128 KiB pieces cost more trips
 * through the pool for no saving in the kernel.
 */
const WRITE_CHUNK_BYTES = 512 * 1024;

/** A new temporary file for `cachePath`, filled by `write` through one handle, then fsynced and measured. */
async function prepareWith(cacheDir: string, cachePath: string, write: (handle: FileHandle) => Promise<void>): Promise<PreparedFile> {
  const tmpPath = await newTmpPath(cacheDir, path.basename(cachePath));
  try {
    const handle = await fs.open(tmpPath, 'wx');
    try {
      await write(handle);
      await handle.sync();
      // fstat reads the in-memory inode of an open descriptor, never the disk: asked on this thread, it
      // spares a trip through the thread pool (a wake-up of a pool thread and of this one) per file.
      return { tmpPath, cachePath, bytes: diskBytes(fstatSync(handle.fd)) };
    } finally {
      await handle.close();
    }
  } catch (err) {
    await fs.rm(tmpPath, { force: true });
    throw err;
  }
}

/** Writes `data` to a temporary file ready to publish at `cachePath`, through one handle: write, fsync, fstat. */
export async function prepareBytes(cacheDir: string, cachePath: string, data: Uint8Array | string): Promise<PreparedFile> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return prepareWith(cacheDir, cachePath, async (handle) => {
    for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done, Math.min(WRITE_CHUNK_BYTES, bytes.length - done))).bytesWritten;
  });
}

/** Up to WRITE_CHUNK_BYTES of `chunks` from `start` on, as views, for one writev call. */
function nextPiece(chunks: readonly Uint8Array[], start: { index: number; offset: number }): Uint8Array[] {
  const piece: Uint8Array[] = [];
  let room = WRITE_CHUNK_BYTES;
  for (let index = start.index, offset = start.offset; index < chunks.length && room > 0; index++, offset = 0) {
    const view = chunks[index].subarray(offset, offset + room);
    if (view.length > 0) piece.push(view);
    room -= view.length;
  }
  return piece;
}

/**
 * prepareBytes for bytes in several pieces (a CMAF segment's boxes, then each sample's data where it
 * was read): written with writev in pieces of about WRITE_CHUNK_BYTES, never copied into one buffer.
 */
export async function prepareChunks(cacheDir: string, cachePath: string, chunks: readonly Uint8Array[]): Promise<PreparedFile> {
  return prepareWith(cacheDir, cachePath, async (handle) => {
    const at = { index: 0, offset: 0 };
    let position = 0;
    for (let piece = nextPiece(chunks, at); piece.length > 0; piece = nextPiece(chunks, at)) {
      let written = (await handle.writev(piece, position)).bytesWritten;
      if (written === 0) throw new Error(`writing ${cachePath} made no progress`);
      position += written;
      // Advance past what was written (all of the piece, unless the write was short).
      while (written > 0) {
        const left = chunks[at.index].length - at.offset;
        if (written < left) {
          at.offset += written;
          written = 0;
        } else {
          written -= left;
          at.index += 1;
          at.offset = 0;
        }
      }
    }
  });
}

/**
 * rename() into a folder made on demand, synchronously (it runs inside the transaction that records the file).
 * Every folder on the way is checked with lstat: a symbolic link inside cache_dir never redirects a publish
 * outside it. Prune removes empty folders, so one can vanish between the mkdir and the rename: that race
 * ends in ENOENT, and making the folder again settles it.
 */
export function placeSync(cacheDir: string, file: PreparedFile): void {
  const relDir = path.posix.dirname(file.cachePath);
  for (let attempt = 1; ; attempt += 1) {
    checkCacheFolders(cacheDir, relDir, true);
    try {
      renameSync(file.tmpPath, cacheFileAbs(cacheDir, file.cachePath));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

/** Removes prepared files that will not be published. */
export async function discardPrepared(files: readonly PreparedFile[]): Promise<void> {
  await Promise.all(files.map((f) => fs.rm(f.tmpPath, { force: true })));
}

/**
 * Removes everything under .tmp/ (start-up: leftovers of a crash; nginx never does this, trac #2182).
 * A `.tmp` that is a symbolic link is removed itself and its target left alone; fs.rm never follows the
 * links it finds inside the folder either.
 */
export async function sweepTmp(cacheDir: string): Promise<number> {
  const dir = tmpDirAbs(cacheDir);
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st) return 0;
  if (!st.isDirectory()) {
    await fs.unlink(dir);
    return 1;
  }
  const entries = await fs.readdir(dir);
  await Promise.all(entries.map((name) => fs.rm(path.join(dir, name), { recursive: true, force: true })));
  return entries.length;
}

/**
 * Unlinks published files, playlists (and MPDs) before segments, so nginx never finds an old playlist whose
 * segments are already gone. Unlink, never truncate: nginx finishes sending a file it has open (docs/cache-and-log-rules.md#unlink-never-truncate). Missing is fine, and so is
 * a file behind a symbolic link inside cache_dir: not ours, left alone. fs.unlink, not fs.rm, which probes
 * and retries and costs milliseconds per file.
 */
export async function unlinkCacheFiles(cacheDir: string, cachePaths: readonly string[]): Promise<void> {
  const folderOk = new Map<string, boolean>();
  const ours = cachePaths.filter((cachePath) => {
    const relDir = path.posix.dirname(cachePath);
    if (!folderOk.has(relDir)) folderOk.set(relDir, realFolder(cacheDir, relDir));
    return folderOk.get(relDir);
  });
  const unlink = (cachePath: string) =>
    fs.unlink(cacheFileAbs(cacheDir, cachePath)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  // Playlists, masters and MPDs first: whatever names segments goes before the segments it names.
  await Promise.all(ours.filter((p) => fileKindOf(p) !== 'segment').map(unlink));
  await Promise.all(ours.filter((p) => fileKindOf(p) === 'segment').map(unlink));
}

function realFolder(cacheDir: string, relDir: string): boolean {
  try {
    return checkCacheFolders(cacheDir, relDir) === 'ok';
  } catch {
    return false;
  }
}

/** Cache paths of the regular files directly in a cache folder (links and folders left out); none if it is missing or a link. */
export function filesInCacheFolderSync(cacheDir: string, folderRel: string): string[] {
  const relDir = folderRel.replace(/\/+$/, '');
  if (!realFolder(cacheDir, relDir)) return [];
  const entries = readdirSync(cacheFileAbs(cacheDir, relDir), { withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => `${relDir}/${e.name}`);
}
