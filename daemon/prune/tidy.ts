// Leftovers: stale temporary files, rows whose files are gone, files with no row, folders left empty.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Store } from '../store/store.js';
import { ROWS_PER_TRANSACTION } from './evict.js';
import type { AdoptedFile } from './reconcile.js';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows for files found on disk, created now: they start a full inactivity window (docs/cache-and-log-rules.md#prune-reconcile). */
export function adoptFiles(store: Store, files: readonly AdoptedFile[], nowMs: number): void {
  for (const batch of chunks(files, ROWS_PER_TRANSACTION)) {
    store.write(() => {
      for (const file of batch) store.statement('adoptFile').run({ ...file, createdMs: nowMs });
    });
  }
}

/** Drops rows whose file is gone, unless the row was rewritten meanwhile (a new file is on its way). */
export function dropRows(store: Store, rows: readonly { path: string; created_ms: number }[]): void {
  for (const batch of chunks(rows, ROWS_PER_TRANSACTION)) {
    store.write(() => {
      for (const row of batch) store.statement('deleteFileIfUnchanged').run({ path: row.path, createdMs: row.created_ms });
    });
  }
}

export async function removeTmpEntries(absPaths: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const absPath of absPaths) {
    await fs.rm(absPath, { recursive: true, force: true });
    removed.push(absPath);
  }
  return removed;
}

/**
 * Removes each folder if it is empty, then its parents while they are empty, never `stopAt` itself nor a
 * folder in `keep`. rmdir fails on a folder that is not empty, so a file arriving meanwhile is safe.
 */
export async function removeEmptyDirs(absDirs: Iterable<string>, stopAt: string, keep: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const start of absDirs) {
    for (let dir = start; dir.startsWith(`${stopAt}${path.sep}`) && !keep.has(dir); dir = path.dirname(dir)) {
      try {
        await fs.rmdir(dir);
        removed.push(dir);
      } catch {
        break;
      }
    }
  }
  return removed;
}
