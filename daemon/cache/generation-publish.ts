// One generation per package: a run's files reach their final names only while its package is still current.

import { unlinkSync } from 'node:fs';
import { CasterpakError } from '../errors.js';
import type { PackagerName } from '../config.js';
import { CMAF_DIR } from '../layout/cmaf-files.js';
import type { SourceFile } from '../source/resolve.js';
import type { OpenSource, Source } from '../source/source.js';
import type { Granularity, PackageRow, Store } from '../store/store.js';
import { cacheFileAbs } from './paths.js';
import { discardPrepared, filesInCacheFolderSync, placeSync, unlinkCacheFiles, type PreparedFile } from './publish.js';

/** The source was replaced while this run packaged it: its files were thrown away, none was published. */
export class StaleGeneration extends CasterpakError {
  constructor(details: Record<string, unknown>) {
    super('BUSY', 'the source was replaced while it was being packaged; try again', details);
  }
}

export interface PackageClaim {
  readonly store: Store;
  readonly cacheDir: string;
  /** Where the source is looked up again, to make sure it is still the version the run read. */
  readonly source: Source;
  /**
   * The source as the run resolved it (its size and mtime, or a remote object's size and version, are the
   * package's identity); the run's opened source when it has one, which may tell more cheaply that it is still current.
   */
  readonly src: SourceFile | OpenSource;
  readonly packager: PackagerName;
  readonly granularity: Granularity;
  /** The rendition's segment count for a new package; a function when working it out costs something (asked only then). */
  readonly segmentCount: number | null | (() => Promise<number | null>);
  /** The rendition's cache folder (`i/clip.mp4`), which holds this package's files and nothing else. */
  readonly renditionDir: string;
  /** A stale file left for the run to replace by its own rename (a master rebuilt at the same path). */
  readonly keep?: string;
}

/**
 * The run's package: the current one, or a new one replacing a stale one, whose files are then unlinked.
 * - The source is looked up again first (a stat of a local path, or a HEAD of a remote object): a run that read the old file must not replace
 *   the package a newer run made from the new one (it would delete the newer files); it goes stale and starts over.
 * - A new package owns nothing yet: whatever its folder (and its cmaf/ folder) holds is stale, rows or not (a file renamed into
 *   place by a run that crashed before its commit has no row, and would otherwise pass for the new one's).
 * - The unlinks come after the transaction, so for a moment the old files are still on disk with no row:
 *   the filler's fast path asks for a file recorded under the current package, not just present, and a
 *   run of the new package that publishes meanwhile replaces the old file by its rename. Unlinking them
 *   synchronously instead was measured to block the event loop for seconds under I/O load (1,000 files).
 */
export async function claimPackage(claim: PackageClaim): Promise<PackageRow> {
  const { store, cacheDir, src } = claim;
  if (!(await stillCurrent(claim.source, src))) throw new StaleGeneration({ source: src.relPath, sizeBytes: src.sizeBytes, mtimeMs: src.mtimeMs });
  const standing = store.standingPackage(src, claim.packager);
  if (standing) return standing;
  const segmentCount = typeof claim.segmentCount === 'function' ? await claim.segmentCount() : claim.segmentCount;
  const { pkg, staleFiles, created } = await store.retryWhileLocked(() => store.ensurePackage(src, claim.packager, claim.granularity, segmentCount));
  const strays = created ? [claim.renditionDir, `${claim.renditionDir.replace(/\/+$/, '')}/${CMAF_DIR}`].flatMap((dir) => filesInCacheFolderSync(cacheDir, dir)) : [];
  await unlinkCacheFiles(cacheDir, [...new Set([...staleFiles, ...strays])].filter((p) => p !== claim.keep));
  return pkg;
}

/** Whether the source's path still names the version `src` is: asked of the opened source when it can tell, else resolved again. */
async function stillCurrent(source: Source, src: SourceFile | OpenSource): Promise<boolean> {
  if ('stillCurrent' in src && src.stillCurrent) return src.stillCurrent();
  const now = await source.resolve(src.relPath).catch(() => undefined);
  return now !== undefined && now.absPath === src.absPath && now.sizeBytes === src.sizeBytes && Math.trunc(now.mtimeMs) === Math.trunc(src.mtimeMs);
}

export interface GenerationPublish {
  readonly store: Store;
  readonly cacheDir: string;
  /** The packages the files were made for, as the run found them when it started (a master: one per rendition). */
  readonly packages: readonly PackageRow[];
  /** Finished temporary files, renamed in this order (a whole rendition: segments first, playlist last). */
  readonly files: readonly PreparedFile[];
  /** Writes the files' rows; runs inside the same transaction as the check and the renames. */
  readonly record: () => void;
}

/**
 * Checks, records and renames in ONE immediate SQLite transaction (Store.publishIfCurrent). Why this order:
 * - rename, then check and unlink if stale: between the rename and the unlink nginx's try_files finds the
 *   stale file under its final name and serves it, with a year-long Cache-Control in front of a CDN;
 * - check and record in a transaction, rename after the commit: a replacement can commit in between, find
 *   the row, unlink a file that is not there yet, and then the rename puts the stale file in place for good;
 * - check, record and rename under one write lock: a replacement of the package (ensurePackage, itself an
 *   immediate transaction, in this process or in `casterpakd invalidate`) commits either before (the check
 *   fails, nothing is renamed, the temporary files are dropped) or after (it sees the rows and unlinks the
 *   files). There is no moment when a stale file has a final name and no row that leads to its removal.
 * renameSync inside the transaction blocks the event loop for a few microseconds per file. A crash between
 * the renames and the commit leaves files with no row, made for the package that is still current then:
 * prune adopts them, and the next replacement of the package clears its whole folder (claimPackage).
 */
export async function publishGeneration(opts: GenerationPublish): Promise<void> {
  const { store, cacheDir, packages, files, record } = opts;
  const placed: PreparedFile[] = [];
  let published = false;
  try {
    // A lock held by another process fails the transaction at its start, before any rename: waited for on a timer.
    published = await store.retryWhileLocked(() => store.publishIfCurrent(packages, () => {
      record();
      try {
        for (const file of files) {
          placeSync(cacheDir, file);
          placed.push(file);
        }
      } catch (err) {
        // The transaction rolls back the rows: take back the files already renamed, so none is left rowless.
        for (const file of placed.splice(0)) unlinkSync(cacheFileAbs(cacheDir, file.cachePath));
        throw err;
      }
    }));
  } finally {
    if (!published) await discardPrepared(files);
  }
  if (!published) throw new StaleGeneration({ packages: packages.map((p) => p.id), files: files.map((f) => f.cachePath) });
}

/** Runs `fill` again once when its run went stale: the second run packages the source as it is now. */
export async function retryIfStale<T>(fill: () => Promise<T>): Promise<T> {
  try {
    return await fill();
  } catch (err) {
    if (!(err instanceof StaleGeneration)) throw err;
    return fill();
  }
}
