// The act of eviction: rows go in short immediate transactions, then files are unlinked (never truncated).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheFileAbs, checkCacheFolders } from '../cache/paths.js';
import { isCasterpakError } from '../errors.js';
import { fileGenerationKey } from '../store/generation-keys.js';
import type { Store } from '../store/store.js';
import type { EvictReason, EvictionUnit, PlannedFile } from './policy.js';

/** Rows per transaction: the daemon's writes wait at most this long behind prune (docs/cache-and-log-rules.md#sqlite-short-transactions). */
export const ROWS_PER_TRANSACTION = 200;

export interface EvictedFile {
  readonly path: string;
  readonly bytes: number;
  readonly reason: EvictReason;
}

export interface EvictionResult {
  readonly evicted: EvictedFile[];
  readonly packagesDeleted: number;
  /** Units accessed, regenerated or claimed by a generation after the plan: left alone. */
  readonly skippedTouched: number;
  readonly skippedGenerating: number;
}

interface Counts {
  touched: number;
  generating: number;
  packages: number;
}

interface Approved {
  readonly unit: EvictionUnit;
  /** Files whose row was deleted (or had gone already): theirs to unlink. */
  readonly files: PlannedFile[];
}

/** Accessed or regenerated since the plan? Then a TTL or LRU decision no longer holds. */
function touched(store: Store, unit: EvictionUnit): boolean {
  if (unit.reason === 'source-changed' || unit.reason === 'source-missing') return false;
  return unit.files.some((file) => {
    const row = store.statement('fileUse').get({ path: file.path }) as { created_ms: number; last_access_ms: number | null } | undefined;
    return row !== undefined && (row.created_ms !== file.createdMs || (row.last_access_ms ?? row.created_ms) > unit.lastUsedMs);
  });
}

function busy(unit: EvictionUnit, generating: ReadonlySet<string>): boolean {
  return generating.has(unit.key) || unit.files.some((f) => generating.has(fileGenerationKey(f.path)));
}

/** Deletes the rows of a batch of units in one transaction, re-checking each against the database first. */
function deleteRows(store: Store, units: readonly EvictionUnit[], counts: Counts, generations: () => ReadonlySet<string>): Approved[] {
  return store.write(() => {
    const generating = generations();
    const approved: Approved[] = [];
    for (const unit of units) {
      if (busy(unit, generating)) {
        counts.generating += 1;
        continue;
      }
      if (touched(store, unit)) {
        counts.touched += 1;
        continue;
      }
      const files = unit.files.filter((file) => {
        const { changes } = store.statement('deleteFileIfUnchanged').run({ path: file.path, createdMs: file.createdMs });
        return changes === 1 || store.statement('fileUse').get({ path: file.path }) === undefined;
      });
      if (unit.pkg) counts.packages += store.statement('deletePackageIfUnchanged').run({ id: unit.pkg.id, createdMs: unit.pkg.createdMs }).changes;
      approved.push({ unit, files });
    }
    return approved;
  });
}

/** Unlinks the file if it is still the one planned (same inode): a regenerated file is never removed. */
async function unlinkIfSame(cacheDir: string, file: PlannedFile): Promise<boolean> {
  const absPath = cacheFileAbs(cacheDir, file.path);
  try {
    // A folder turned into a symbolic link since the scan is not followed (lstat follows every link but the last).
    if (checkCacheFolders(cacheDir, path.posix.dirname(file.path)) === 'missing') return false;
    const st = await fs.lstat(absPath);
    if (st.ino !== file.ino) return false;
    // nginx keeps sending an unlinked file to whoever is downloading it (docs/cache-and-log-rules.md#unlink-never-truncate).
    await fs.unlink(absPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || isCasterpakError(err)) return false;
    throw err;
  }
}

function batches(units: readonly EvictionUnit[]): EvictionUnit[][] {
  const out: EvictionUnit[][] = [];
  let current: EvictionUnit[] = [];
  let rows = 0;
  for (const unit of units) {
    if (rows > 0 && rows + unit.files.length > ROWS_PER_TRANSACTION) {
      out.push(current);
      current = [];
      rows = 0;
    }
    current.push(unit);
    rows += Math.max(1, unit.files.length);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Evicts the planned units in order; `generations` reads the keys being generated, inside each transaction.
 * Rows first: a crash between leaves files with no row, adopted next run.
 */
export async function evictUnits(store: Store, cacheDir: string, units: readonly EvictionUnit[], generations: () => ReadonlySet<string>): Promise<EvictionResult> {
  const counts: Counts = { touched: 0, generating: 0, packages: 0 };
  const evicted: EvictedFile[] = [];
  for (const batch of batches(units)) {
    for (const { unit, files } of deleteRows(store, batch, counts, generations)) {
      for (const file of files) {
        if (await unlinkIfSame(cacheDir, file)) evicted.push({ path: file.path, bytes: file.bytes, reason: unit.reason });
      }
    }
  }
  return { evicted, packagesDeleted: counts.packages, skippedTouched: counts.touched, skippedGenerating: counts.generating };
}
