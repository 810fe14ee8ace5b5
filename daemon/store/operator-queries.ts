// What operators read and change: rendition summaries, cache totals, hits the daemon served itself, prune runs, dropping a rendition's rows.

import type { PackagerName } from '../config.js';
import { packageGenerationKey } from './generation-keys.js';
import type { Access, CacheFileRow, Granularity, Store } from './store.js';

export interface RenditionSummary {
  package_id: number;
  source_path: string;
  packager: PackagerName;
  granularity: Granularity;
  segment_count: number | null;
  created_ms: number;
  files: number;
  bytes: number;
  hits: number;
  last_access_ms: number | null;
}

export interface CacheTotals {
  files: number;
  /** On-disk bytes. */
  bytes: number;
  packages: number;
  /** Hits recorded on the files cached now. */
  hits: number;
  /** The least recent use of a cached file (its last access, or its creation if never accessed). */
  oldestUseMs: number | null;
  newestAccessMs: number | null;
}

/** One rendition's share of the cache and of the hits on it. */
export interface RenditionUse {
  readonly source: string;
  readonly packager: string;
  readonly files: number;
  readonly bytes: number;
  readonly hits: number;
  readonly lastAccessMs: number | null;
}

export interface PruneTotals {
  runs: number;
  filesEvicted: number;
  bytesEvicted: number;
  lastRunMs: number | null;
}

export interface PruneRun {
  startedMs: number;
  finishedMs: number;
  dryRun: boolean;
  outcome: 'ok' | 'refused' | 'failed';
  filesEvicted: number;
  bytesEvicted: number;
  reason?: string;
}

/** prune_runs keeps this many recent runs; the lifetime figures live in prune_totals. */
export const PRUNE_RUNS_KEPT = 200;

export function renditionSummaries(store: Store): RenditionSummary[] {
  return store.statement('renditionSummaries').all() as RenditionSummary[];
}

export function cacheTotals(store: Store): CacheTotals {
  const row = store.statement('cacheTotals').get() as { files: number; bytes: number; hits: number; oldest_use_ms: number | null; newest_access_ms: number | null };
  const { packages } = store.statement('packageCount').get() as { packages: number };
  return { files: row.files, bytes: row.bytes, packages, hits: row.hits, oldestUseMs: row.oldest_use_ms, newestAccessMs: row.newest_access_ms };
}

/** The `limit` renditions with the most hits. */
export function topRenditions(store: Store, limit: number): RenditionUse[] {
  const rows = store.statement('topRenditions').all({ limit }) as { source_path: string; packager: string; files: number; bytes: number; hits: number; last_access_ms: number | null }[];
  return rows.map((r) => ({ source: r.source_path, packager: r.packager, files: r.files, bytes: r.bytes, hits: r.hits, lastAccessMs: r.last_access_ms }));
}

/**
 * A request the daemon served itself (standalone mode, or the status page's player): its access and whether
 * it was a hit, in one transaction, counted as the tailer counts logged requests so the hit ratio means one thing.
 */
export function recordServed(store: Store, access: Access, hit: boolean): void {
  store.write(() => {
    store.statement('recordAccess').run(access);
    store.statement('addTailCounter').run({ name: hit ? 'hits' : 'misses', value: access.hits });
  });
}

/** A request the daemon served itself behind nginx (the status page's player): its last access, not a hit. */
export function touchServed(store: Store, access: Omit<Access, 'hits'>): void {
  store.write(() => {
    store.statement('recordAccess').run({ ...access, hits: 0 });
  });
}

export function pruneTotals(store: Store): PruneTotals {
  const row = store.statement('pruneTotals').get() as
    | { runs: number; files_evicted: number; bytes_evicted: number; last_run_ms: number }
    | undefined;
  if (!row) return { runs: 0, filesEvicted: 0, bytesEvicted: 0, lastRunMs: null };
  return { runs: row.runs, filesEvicted: row.files_evicted, bytesEvicted: row.bytes_evicted, lastRunMs: row.last_run_ms };
}

/** Called by `casterpakd prune` once per run. Dry runs are kept in the history but never count as evictions. */
export function recordPruneRun(store: Store, run: PruneRun): void {
  const params = { ...run, dryRun: run.dryRun ? 1 : 0, reason: run.reason ?? null };
  store.write(() => {
    store.statement('insertPruneRun').run(params);
    if (!run.dryRun) store.statement('addPruneTotals').run(params);
    store.statement('trimPruneRuns').run({ keep: PRUNE_RUNS_KEPT });
  });
}

export function filesUnder(store: Store, prefix: string): CacheFileRow[] {
  return store.statement('filesUnder').all({ prefix }) as CacheFileRow[];
}

/** Generations in flight for a rendition: its files (segment packagers) or its whole package (rendition packagers). */
export function generationsOf(store: Store, cacheDirPrefix: string, sourceRel: string): string[] {
  const rows = store.statement('generationsUnder').all({ prefix: cacheDirPrefix, packageKey: packageGenerationKey(sourceRel) }) as { key: string }[];
  return rows.map((r) => r.key);
}

/** Deletes rows in short immediate transactions, so the daemon and the tailer never wait long for the lock. */
export function deleteFileRows(store: Store, paths: readonly string[], batchSize = 200): void {
  for (let i = 0; i < paths.length; i += batchSize) {
    const batch = paths.slice(i, i + batchSize);
    store.write(() => {
      for (const path of batch) store.statement('deleteFile').run({ path });
    });
  }
}
