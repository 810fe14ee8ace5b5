// Disk against database (pure): files with no row, rows with no file, stale temporary files, empty folders.

import { prefixDir, sourceOfCachePath } from '../layout/cache-paths.js';
import { fileKindOf, type FileKind } from '../layout/rendition-files.js';
import type { CacheFileRow, PackageRow } from '../store/store.js';
import { fileGenerationKey, generationFolder } from '../store/generation-keys.js';
import type { DiskDir, DiskEntry, DiskFile, DiskScan } from './disk-scan.js';

export interface AdoptedFile {
  readonly path: string;
  readonly packageId: number | null;
  readonly kind: FileKind;
  readonly bytes: number;
}

export interface Reconciliation {
  /** On disk, no row: get a row with a fresh created time (docs/cache-and-log-rules.md#prune-reconcile), and are not evicted this run. */
  readonly adopt: AdoptedFile[];
  /** Rows whose file is gone: dropped. */
  readonly missing: CacheFileRow[];
  /** Rows whose file is there, with the size the disk reports. */
  readonly present: (CacheFileRow & { readonly ino: number })[];
  readonly staleTmp: DiskEntry[];
  readonly emptyDirs: DiskDir[];
}

export interface ReconcileInput {
  readonly rows: readonly CacheFileRow[];
  readonly packages: readonly PackageRow[];
  readonly scan: DiskScan;
  readonly urlPrefix: string;
  readonly nowMs: number;
  /** Temporary files older than this are a crash's leftovers (twice the packaging timeout). */
  readonly staleTmpSec: number;
  /** Empty folders younger than this may be about to receive a file. */
  readonly emptyDirMinAgeSec: number;
  /** Keys of generations in flight: nothing under their folders is removed. */
  readonly generating: ReadonlySet<string>;
}

/** `i/dir/clip.mp4/segment1_0_av.ts` → the package of `dir/clip.mp4`, if there is one. */
function packageOf(cachePath: string, urlPrefix: string, bySource: ReadonlyMap<string, PackageRow>): number | null {
  return bySource.get(sourceOfCachePath(cachePath, urlPrefix))?.id ?? null;
}

/** Cache-relative folders that generations in flight write into. */
export function generationDirs(generating: ReadonlySet<string>, urlPrefix: string): string[] {
  const top = prefixDir(urlPrefix);
  return [...generating].map((key) => generationFolder(key, top));
}

export function reconcile(input: ReconcileInput): Reconciliation {
  const bySource = new Map(input.packages.map((p) => [p.source_path, p]));
  const rowPaths = new Set<string>();
  const missing: CacheFileRow[] = [];
  const present: (CacheFileRow & { ino: number })[] = [];
  for (const row of input.rows) {
    rowPaths.add(row.path);
    const file = input.scan.files.get(row.path);
    if (!file) {
      // A file being generated may have its row a moment before it is renamed into place.
      if (!input.generating.has(fileGenerationKey(row.path))) missing.push(row);
      continue;
    }
    present.push({ ...row, bytes: file.bytes, ino: file.ino });
  }
  const adopt = [...input.scan.files.values()]
    .filter((file: DiskFile) => !rowPaths.has(file.path))
    .map((file) => ({ path: file.path, packageId: packageOf(file.path, input.urlPrefix, bySource), kind: fileKindOf(file.path), bytes: file.bytes }));
  const busyDirs = generationDirs(input.generating, input.urlPrefix);
  // A generation creates its folder (mkdir -p) right before renaming its file into it.
  const emptyDirs = input.scan.emptyDirs.filter(
    (dir) => input.nowMs - dir.mtimeMs >= input.emptyDirMinAgeSec * 1000 && !busyDirs.some((busy) => busy === dir.path || busy.startsWith(`${dir.path}/`)),
  );
  const staleTmp = input.scan.tmpEntries.filter((entry) => input.nowMs - entry.mtimeMs > input.staleTmpSec * 1000);
  return { adopt, missing, present, staleTmp, emptyDirs };
}
