// What the cache holds on disk: files with their block size and inode, empty folders, and temporary leftovers.

import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { checkCacheFolders, diskBytes, TMP_DIR_NAME } from '../cache/paths.js';
import { prefixDir } from '../layout/cache-paths.js';

export interface DiskFile {
  /** Relative to cache_dir with forward slashes, as in cache_files.path. */
  readonly path: string;
  /** st_blocks × 512: what the file costs the disk (docs/cache-and-log-rules.md#disk-blocks). */
  readonly bytes: number;
  /** Checked again right before unlink: a file regenerated meanwhile has another inode. */
  readonly ino: number;
  readonly mtimeMs: number;
}

export interface DiskEntry {
  readonly absPath: string;
  readonly mtimeMs: number;
}

export interface DiskDir extends DiskEntry {
  /** Relative to cache_dir with forward slashes. */
  readonly path: string;
}

export interface DiskScan {
  readonly files: Map<string, DiskFile>;
  /** Folders under the URL prefix with nothing in them. */
  readonly emptyDirs: DiskDir[];
  /** Top-level entries of `.tmp/`, with the newest mtime found in them. */
  readonly tmpEntries: DiskEntry[];
}

async function readDir(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function walk(dir: string, rel: string, scan: DiskScan): Promise<number> {
  let kept = 0;
  for (const entry of await readDir(dir)) {
    const absPath = path.join(dir, entry.name);
    const relPath = `${rel}/${entry.name}`;
    // Symbolic links are not ours (the daemon writes regular files): never followed, never removed.
    if (entry.isDirectory()) {
      const inside = await walk(absPath, relPath, scan);
      if (inside === 0) {
        const st = await fs.lstat(absPath).catch(() => undefined);
        if (st) scan.emptyDirs.push({ absPath, path: relPath, mtimeMs: st.mtimeMs });
      }
      kept += 1;
    } else if (entry.isFile()) {
      const st = await fs.lstat(absPath).catch(() => undefined);
      if (st) scan.files.set(relPath, { path: relPath, bytes: diskBytes(st), ino: st.ino, mtimeMs: st.mtimeMs });
      kept += 1;
    } else {
      kept += 1;
    }
  }
  return kept;
}

/** Newest mtime of an entry and, for a folder, of what it directly holds (a packager writing into it). */
async function newestMtime(absPath: string): Promise<number> {
  const st = await fs.lstat(absPath);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of await fs.readdir(absPath).catch(() => [] as string[])) {
    const inner = await fs.lstat(path.join(absPath, name)).catch(() => undefined);
    if (inner && inner.mtimeMs > newest) newest = inner.mtimeMs;
  }
  return newest;
}

/** True when every folder from below cache_dir down to `relDir` is a real folder: a link is never walked into. */
function isRealFolder(cacheDir: string, relDir: string): boolean {
  try {
    return checkCacheFolders(cacheDir, relDir) === 'ok';
  } catch {
    return false;
  }
}

/**
 * Nothing is followed through a symbolic link: not the prefix folder nor `.tmp` when they are links (what
 * they point at is not the cache, and prune would adopt and delete it), nor any link found inside (walk).
 */
export async function scanCache(cacheDir: string, urlPrefix: string): Promise<DiskScan> {
  const scan: DiskScan = { files: new Map(), emptyDirs: [], tmpEntries: [] };
  const top = prefixDir(urlPrefix);
  if (isRealFolder(cacheDir, top)) await walk(path.join(cacheDir, ...top.split('/')), top, scan);
  const tmpDir = path.join(cacheDir, TMP_DIR_NAME);
  const tmpNames = isRealFolder(cacheDir, TMP_DIR_NAME) ? await fs.readdir(tmpDir).catch(() => [] as string[]) : [];
  for (const name of tmpNames) {
    const absPath = path.join(tmpDir, name);
    const mtimeMs = await newestMtime(absPath).catch(() => undefined);
    if (mtimeMs !== undefined) scan.tmpEntries.push({ absPath, mtimeMs });
  }
  return scan;
}
