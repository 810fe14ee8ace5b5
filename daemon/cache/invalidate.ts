// Dropping a rendition from the cache (after a re-encode): unlink its files, then delete its rows, in short transactions.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError, isCasterpakError } from '../errors.js';
import { renditionCacheDir } from '../layout/cache-paths.js';
import { CMAF_DIR } from '../layout/cmaf-files.js';
import { deleteFileRows, filesUnder, generationsOf, renditionSummaries } from '../store/operator-queries.js';
import type { Store } from '../store/store.js';
import { cacheFileAbs, checkCacheFolders, diskBytes } from './paths.js';

export interface InvalidateDeps {
  readonly store: Store;
  readonly cacheDir: string;
  readonly urlPrefix: string;
}

export interface InvalidatedRendition {
  readonly sourceRel: string;
  /** Files unlinked from disk and their on-disk bytes. */
  readonly files: number;
  readonly bytes: number;
  /** Rows deleted: cache files, and the package (0 or 1). */
  readonly rows: number;
  readonly packages: number;
}

/**
 * Regular files directly in a cache folder: names and sizes. A folder on the way that is a symbolic link is
 * not followed: what it points at is not the cache's.
 */
async function filesIn(cacheDir: string, dirRel: string): Promise<{ name: string; bytes: number }[]> {
  try {
    if (checkCacheFolders(cacheDir, dirRel) === 'missing') return [];
  } catch (err) {
    if (isCasterpakError(err)) return [];
    throw err;
  }
  const dir = cacheFileAbs(cacheDir, dirRel);
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: { name: string; bytes: number }[] = [];
  for (const name of entries) {
    const stat = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (stat?.isFile()) files.push({ name, bytes: diskBytes(stat) });
  }
  return files;
}

/** The rendition's files (its playlist, segments, master playlist) and those of its CMAF folder (`cmaf/<name>`). */
async function filesOnDisk(cacheDir: string, dirRel: string): Promise<{ name: string; bytes: number }[]> {
  const cmaf = await filesIn(cacheDir, `${dirRel.replace(/\/+$/, '')}/${CMAF_DIR}`);
  return [...(await filesIn(cacheDir, dirRel)), ...cmaf.map((file) => ({ ...file, name: `${CMAF_DIR}/${file.name}` }))];
}

/**
 * Unlinks every file of the rendition (never truncates: nginx finishes sending a file it has open, see
 * docs/cache-and-log-rules.md#unlink-never-truncate), then deletes its rows. Refuses while the rendition is being packaged: that run would publish
 * files and rows right after. Rows left by a crash between the two steps are reconciled by prune.
 */
export async function invalidateRendition(deps: InvalidateDeps, sourceRel: string): Promise<InvalidatedRendition> {
  const { store, cacheDir, urlPrefix } = deps;
  const dirRel = renditionCacheDir(urlPrefix, sourceRel);
  const busy = generationsOf(store, dirRel, sourceRel);
  if (busy.length > 0) {
    throw new CasterpakError('BUSY', `${sourceRel} is being packaged right now; try again when it is done`, { sourceRel, generations: busy });
  }
  const dirAbs = cacheFileAbs(cacheDir, dirRel);
  const onDisk = await filesOnDisk(cacheDir, dirRel);
  let bytes = 0;
  for (const file of onDisk) {
    await fs.rm(path.join(dirAbs, file.name), { force: true });
    bytes += file.bytes;
  }
  const rows = filesUnder(store, dirRel).map((row) => row.path);
  deleteFileRows(store, rows);
  const pkg = store.packageBySource(sourceRel);
  if (pkg) store.deletePackage(pkg.id);
  return { sourceRel, files: onDisk.length, bytes, rows: rows.length, packages: pkg ? 1 : 0 };
}

/** Renditions with a package whose source lies below `folderRel` (for `invalidate <folder>`). */
export function packagedBelow(store: Store, folderRel: string): string[] {
  const prefix = folderRel === '' ? '' : `${folderRel.replace(/\/+$/, '')}/`;
  return renditionSummaries(store).map((r) => r.source_path).filter((p) => p.startsWith(prefix));
}
