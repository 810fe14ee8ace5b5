// Atomic publication: write under .tmp/, fsync, rename() into place. Nobody ever sees half a file.

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheFileAbs, diskBytes, tmpDirAbs } from './paths.js';

/** A fresh path under the cache's temporary folder. */
export async function newTmpPath(cacheDir: string, label: string): Promise<string> {
  const dir = tmpDirAbs(cacheDir);
  await fs.mkdir(dir, { recursive: true });
  return path.join(dir, `${process.pid}-${randomBytes(6).toString('hex')}-${label}`);
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * rename() into a directory made on demand. Prune removes empty directories, so the directory can vanish
 * between the mkdir and the rename: that race ends in ENOENT, and making the directory again settles it.
 */
async function renameIntoPlace(tmpPath: string, finalPath: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    await fs.mkdir(path.dirname(finalPath), { recursive: true });
    try {
      await fs.rename(tmpPath, finalPath);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
    }
  }
}

/** Moves a finished temporary file into the cache; returns its on-disk size in bytes. */
export async function publishTmpFile(cacheDir: string, tmpPath: string, cachePath: string): Promise<number> {
  await fsyncFile(tmpPath);
  const finalPath = cacheFileAbs(cacheDir, cachePath);
  await renameIntoPlace(tmpPath, finalPath);
  return diskBytes(await fs.stat(finalPath));
}

/** Writes `data` to a temporary file and publishes it at `cachePath`; returns its on-disk size. */
export async function publishBytes(cacheDir: string, cachePath: string, data: Uint8Array | string): Promise<number> {
  const tmpPath = await newTmpPath(cacheDir, path.basename(cachePath));
  try {
    await fs.writeFile(tmpPath, data);
    return await publishTmpFile(cacheDir, tmpPath, cachePath);
  } catch (err) {
    await fs.rm(tmpPath, { force: true });
    throw err;
  }
}

/** Removes everything under .tmp/ (start-up: leftovers of a crash; nginx never does this, trac #2182). */
export async function sweepTmp(cacheDir: string): Promise<number> {
  const dir = tmpDirAbs(cacheDir);
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    return 0;
  }
  await Promise.all(entries.map((name) => fs.rm(path.join(dir, name), { recursive: true, force: true })));
  return entries.length;
}

/** Unlinks a published file; nginx finishes sending an unlinked file (docs/cache-and-log-rules.md#unlink-never-truncate). Missing is fine. */
export async function unlinkCacheFile(cacheDir: string, cachePath: string): Promise<void> {
  await fs.rm(cacheFileAbs(cacheDir, cachePath), { force: true });
}
