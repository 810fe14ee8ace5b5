// The cache at a glance, from SQLite and the disk: size against the cap, hit ratio, tailer lag, top renditions.

import { promises as fs } from 'node:fs';
import type { Config } from '../config.js';
import { cacheTotals, topRenditions, type RenditionUse } from '../store/operator-queries.js';
import { Store } from '../store/store.js';
import { loadCounters, type Counters } from '../tail/tail-state.js';
import { committedLagSource, type TailerLag } from '../tail/lag.js';

/** One rendition's share of the cache and of the hits on it. */
export type RenditionStatus = RenditionUse;

export interface CacheStatus {
  readonly cache: {
    readonly bytes: number;
    readonly maxSizeBytes?: number;
    readonly files: number;
    readonly packages: number;
    readonly freeBytes?: number;
    readonly minFreeBytes: number;
  };
  readonly hits: {
    readonly hits: number;
    readonly misses: number;
    /** hits ÷ (hits + misses), or null before any request. */
    readonly ratio: number | null;
    /**
     * `access-log`: lifetime counts of the log tailer (hits nginx served alone, misses it sent to the daemon).
     * `served`: lifetime counts of the requests the daemon served itself (standalone mode, the status page's player).
     * `cache-files`: hits recorded on the files cached now, each file's creation counted as its miss.
     */
    readonly basis: 'access-log' | 'served' | 'cache-files';
  };
  readonly tailer?: TailerLag & { readonly counters: Counters };
  readonly access: { readonly oldestUseMs: number | null; readonly newestAccessMs: number | null };
  readonly topRenditions: RenditionStatus[];
}

function ratio(hits: number, misses: number): number | null {
  return hits + misses === 0 ? null : hits / (hits + misses);
}

export interface CacheStatusOptions {
  /** Renditions to list (10 by default). */
  readonly top?: number;
  /** The lag already measured for this view (`null` in standalone mode); measured here when absent. */
  readonly lag?: TailerLag | null;
}

export async function cacheStatus(config: Config, options: CacheStatusOptions = {}, openStore?: Store): Promise<CacheStatus> {
  const store = openStore ?? Store.open(config.stateDir);
  try {
    const totals = cacheTotals(store);
    const counters = loadCounters(store);
    const lag = options.lag === undefined ? await committedLagSource(config, store)() : (options.lag ?? undefined);
    const statfs = await fs.statfs(config.cacheDir).catch(() => undefined);
    const fromLog = config.mode === 'nginx' && counters.lines > 0;
    const counted = fromLog || counters.hits + counters.misses > 0;
    const basis = fromLog ? 'access-log' : counted ? 'served' : 'cache-files';
    const misses = counted ? counters.misses : totals.files;
    // Without counts, each request the daemon served is on its file, the one that created it included.
    const hits = counted ? counters.hits : config.mode === 'standalone' ? Math.max(0, totals.hits - totals.files) : totals.hits;
    return {
      cache: { bytes: totals.bytes, maxSizeBytes: config.prune.maxSizeBytes, files: totals.files, packages: totals.packages, freeBytes: statfs && statfs.bavail * statfs.bsize, minFreeBytes: config.prune.minFreeBytes },
      hits: { hits, misses, ratio: ratio(hits, misses), basis },
      tailer: lag && { ...lag, counters },
      access: { oldestUseMs: totals.oldestUseMs, newestAccessMs: totals.newestAccessMs },
      topRenditions: topRenditions(store, options.top ?? 10),
    };
  } finally {
    if (!openStore) store.close();
  }
}
