// `casterpakd prune`, the whole run: look (disk, database, tailer, sources), plan, then act unless --dry-run.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { prefixDir } from '../layout/cache-paths.js';
import { recordPruneRun } from '../store/operator-queries.js';
import type { CacheFileRow, PackageRow } from '../store/store.js';
import { Store } from '../store/store.js';
import { measureTailerLag, type TailerLag } from '../tail/lag.js';
import { scanCache } from './disk-scan.js';
import { evictUnits } from './evict.js';
import { planEviction, type EvictReason, type Plan } from './policy.js';
import { generationDirs, reconcile, type Reconciliation } from './reconcile.js';
import { createSource, moovCacheDir } from '../source/create-source.js';
import { removeUnusedMoovCache } from '../source/remote/moov-cache.js';
import { checkRemoteSources, checkSources, type SourceState } from './source-check.js';
import { adoptFiles, dropRows, removeEmptyDirs, removeTmpEntries } from './tidy.js';

export interface PruneOptions {
  readonly dryRun?: boolean;
  /** Apply the TTL even while the tailer is behind or stale. */
  readonly force?: boolean;
  /** Override `prune.ttl` for this run. */
  readonly ttlSec?: number;
  /** Override `prune.max_size` for this run. */
  readonly maxSizeBytes?: number;
  /** Empty folders younger than this are left (a generation may be about to fill them). */
  readonly emptyDirMinAgeSec?: number;
}

export interface PruneReport {
  readonly dryRun: boolean;
  readonly ttl: { readonly sec: number; readonly applied: boolean; readonly refusedBecause?: string };
  readonly tailer?: TailerLag;
  readonly evicted: {
    readonly files: { readonly path: string; readonly bytes: number; readonly reason: EvictReason }[];
    readonly fileCount: number;
    readonly bytes: number;
    readonly packages: number;
  };
  readonly reconciled: { readonly adopted: string[]; readonly droppedRows: string[]; readonly tmpRemoved: string[]; readonly dirsRemoved: string[] };
  readonly skipped: { readonly generating: number; readonly touched: number };
  readonly cache: { readonly bytesBefore: number; readonly bytesAfter: number; readonly maxSizeBytes?: number; readonly freeBytes?: number; readonly minFreeBytes: number };
}

/** TTL eviction trusts last accesses; refuse it while accesses may be missing from them (docs/cache-and-log-rules.md#prune-ttl-needs-tailer). */
export function ttlRefusal(config: Config, lag: TailerLag | undefined): string | undefined {
  if (config.mode !== 'nginx' || !lag?.logExists) return undefined;
  if (!lag.hasCursor) return `the access log ${config.accessLog} has never been read by casterpakd serve`;
  if (lag.secondsBehind > config.prune.maxTailerLagSec) {
    return `the access log tailer is ${Math.round(lag.secondsBehind)} s behind (${lag.bytesBehind} bytes unread; limit prune.max_tailer_lag = ${config.prune.maxTailerLagSec} s)`;
  }
  return undefined;
}

async function freeBytesOf(dir: string): Promise<number | undefined> {
  const st = await fs.statfs(dir).catch(() => undefined);
  return st ? st.bavail * st.bsize : undefined;
}

/**
 * Keys being generated now. A packaging run is aborted after packaging_timeout, so a claim older than twice
 * that belongs to a process that died without clearing it, and protects nothing.
 */
export function liveGenerations(store: Store, config: Config): Set<string> {
  const sinceMs = Date.now() - 2 * config.packagingTimeoutSec * 1000;
  return new Set((store.statement('generationKeys').all({ sinceMs }) as { key: string }[]).map((r) => r.key));
}

/** Folders that generations in flight write into, and their parents: never removed, even when empty. */
function busyDirs(store: Store, config: Config): Set<string> {
  const keys = liveGenerations(store, config);
  const dirs = new Set<string>();
  for (const rel of generationDirs(keys, config.urlPrefix)) {
    const parts = rel.split('/');
    for (let depth = parts.length; depth > 0; depth -= 1) dirs.add(path.join(config.cacheDir, ...parts.slice(0, depth)));
  }
  return dirs;
}

export async function runPrune(config: Config, options: PruneOptions = {}, openStore?: Store): Promise<PruneReport> {
  const store = openStore ?? Store.open(config.stateDir);
  const startedMs = Date.now();
  try {
    const report = await prune(config, options, store);
    // For /metrics and the status page, which live in the daemon's process.
    recordPruneRun(store, {
      startedMs,
      finishedMs: Date.now(),
      dryRun: report.dryRun,
      outcome: report.ttl.applied ? 'ok' : 'refused',
      filesEvicted: report.evicted.fileCount,
      bytesEvicted: report.evicted.bytes,
      reason: report.ttl.refusedBecause,
    });
    return report;
  } catch (err) {
    const failed = { startedMs, finishedMs: Date.now(), dryRun: options.dryRun ?? false, outcome: 'failed' as const, filesEvicted: 0, bytesEvicted: 0, reason: (err as Error).message };
    // The run's own error matters more than a failure to record it.
    try {
      recordPruneRun(store, failed);
    } catch {
      /* the database itself may be what failed */
    }
    throw err;
  } finally {
    if (!openStore) store.close();
  }
}

/** Everything prune sees before it acts: the tailer, the disk against the database, the sources, the plan. */
interface Survey {
  readonly nowMs: number;
  readonly ttlSec: number;
  readonly maxSizeBytes?: number;
  readonly lag?: TailerLag;
  readonly refusedBecause?: string;
  readonly ttlApplied: boolean;
  readonly found: Reconciliation;
  readonly freeBytes?: number;
  readonly plan: Plan;
}

async function survey(config: Config, options: PruneOptions, store: Store): Promise<Survey> {
  const nowMs = Date.now();
  const ttlSec = options.ttlSec ?? config.prune.ttlSec;
  const maxSizeBytes = options.maxSizeBytes ?? config.prune.maxSizeBytes;
  const lag = config.mode === 'nginx' ? await measureTailerLag(store, config.accessLog, nowMs) : undefined;
  const refusedBecause = ttlRefusal(config, lag);
  const ttlApplied = refusedBecause === undefined || options.force === true;
  const scan = await scanCache(config.cacheDir, config.urlPrefix);
  const packages = store.statement('allPackages').all() as PackageRow[];
  const rows = store.statement('allFiles').all() as CacheFileRow[];
  const generating = liveGenerations(store, config);
  const staleTmpSec = 2 * config.packagingTimeoutSec;
  const found = reconcile({ rows, packages, scan, urlPrefix: config.urlPrefix, nowMs, staleTmpSec, emptyDirMinAgeSec: options.emptyDirMinAgeSec ?? 60, generating });
  const freeBytes = await freeBytesOf(config.cacheDir);
  // Adopted files count toward the size, with a fresh window: the policy never picks them this run.
  const adoptedRows = found.adopt.map((a) => ({ path: a.path, package_id: a.packageId, kind: a.kind, bytes: a.bytes, created_ms: nowMs, last_access_ms: null, hits: 0, ino: scan.files.get(a.path)!.ino }));
  const plan = planEviction({
    nowMs,
    ttlSec,
    maxSizeBytes,
    minFreeBytes: config.prune.minFreeBytes,
    lowWater: config.prune.lowWater,
    ttlAllowed: ttlApplied,
    packages,
    files: [...found.present, ...adoptedRows],
    adopted: new Set(found.adopt.map((a) => a.path)),
    sources: await sourceStates(config, packages),
    generating,
    freeBytes,
  });
  return { nowMs, ttlSec, maxSizeBytes, lag, refusedBecause, ttlApplied, found, freeBytes, plan };
}

/** Which packages' sources changed or went: a stat each under a local media_root, a HEAD each for a remote one. */
async function sourceStates(config: Config, packages: readonly PackageRow[]): Promise<Map<number, SourceState> | undefined> {
  if (path.isAbsolute(config.mediaRoot)) return checkSources(config.mediaRoot, packages);
  const source = createSource(config);
  try {
    return await checkRemoteSources(source, packages);
  } finally {
    await source.close();
  }
}

function reportOf(config: Config, s: Survey, done: Pick<PruneReport, 'dryRun' | 'evicted' | 'reconciled' | 'skipped'>): PruneReport {
  return {
    ...done,
    ttl: { sec: s.ttlSec, applied: s.ttlApplied, refusedBecause: s.refusedBecause },
    tailer: s.lag,
    cache: { bytesBefore: s.plan.cacheBytes, bytesAfter: s.plan.cacheBytes - done.evicted.bytes, maxSizeBytes: s.maxSizeBytes, freeBytes: s.freeBytes, minFreeBytes: config.prune.minFreeBytes },
  };
}

function evictedSummary(files: PruneReport['evicted']['files'], packages: number): PruneReport['evicted'] {
  return { files, fileCount: files.length, bytes: files.reduce((sum, f) => sum + f.bytes, 0), packages };
}

async function prune(config: Config, options: PruneOptions, store: Store): Promise<PruneReport> {
  const s = await survey(config, options, store);
  const reconciled = {
    adopted: s.found.adopt.map((a) => a.path),
    droppedRows: s.found.missing.map((r) => r.path),
    tmpRemoved: s.found.staleTmp.map((e) => e.absPath),
    dirsRemoved: s.found.emptyDirs.map((d) => d.absPath),
  };
  if (options.dryRun) {
    const files = s.plan.evictions.flatMap((u) => u.files.map((f) => ({ path: f.path, bytes: f.bytes, reason: u.reason })));
    const evicted = evictedSummary(files, s.plan.evictions.filter((u) => u.pkg).length);
    return reportOf(config, s, { dryRun: true, evicted, reconciled, skipped: { generating: s.plan.skippedGenerating, touched: 0 } });
  }
  adoptFiles(store, s.found.adopt, s.nowMs);
  dropRows(store, s.found.missing);
  const result = await evictUnits(store, config.cacheDir, s.plan.evictions, () => liveGenerations(store, config));
  const tmpRemoved = await removeTmpEntries(s.found.staleTmp.map((e) => e.absPath));
  // The moov cache of remote sources goes by the same TTL, counted from each file's last use.
  await removeUnusedMoovCache(moovCacheDir(config), s.nowMs - s.ttlSec * 1000);
  const top = path.join(config.cacheDir, ...prefixDir(config.urlPrefix).split('/'));
  const evictedDirs = result.evicted.map((f) => path.dirname(path.join(config.cacheDir, ...f.path.split('/'))));
  const dirsRemoved = await removeEmptyDirs(new Set([...reconciled.dirsRemoved, ...evictedDirs]), top, busyDirs(store, config));
  return reportOf(config, s, {
    dryRun: false,
    evicted: evictedSummary(result.evicted, result.packagesDeleted),
    reconciled: { ...reconciled, tmpRemoved, dirsRemoved },
    skipped: { generating: s.plan.skippedGenerating + result.skippedGenerating, touched: result.skippedTouched },
  });
}
