// One consistent picture of the daemon for the status page and status.json: SQLite figures plus this process's own.

import type { CacheFiller } from '../cache/filler.js';
import type { MissRecord } from '../cache/recent-misses.js';
import type { Config } from '../config.js';
import { packageVersion } from '../package-root.js';
import { accessCounts, cacheTotals, hitRatio, pruneTotals, topRenditionsByHits, type AccessCounts, type PruneTotals, type RenditionSummary } from '../store/operator-queries.js';
import type { Store } from '../store/store.js';
import type { EventLoopDelay } from './event-loop.js';
import type { Observability } from './observability.js';
import type { TailerLag } from './tailer-lag.js';

export const TOP_RENDITIONS_SHOWN = 10;

export interface StatusSnapshot {
  readonly generatedMs: number;
  readonly version: string;
  readonly mode: Config['mode'];
  readonly packager: Config['packager'];
  readonly urlPrefix: string;
  readonly uptimeSec: number;
  readonly cache: {
    readonly bytes: number;
    readonly files: number;
    readonly packages: number;
    /** prune.max_size, when set. */
    readonly maxSizeBytes?: number;
    readonly oldestAccessMs: number | null;
    readonly newestAccessMs: number | null;
  };
  readonly access: AccessCounts & { readonly hitRatio?: number };
  readonly packaging: {
    readonly misses: number;
    readonly runs: number;
    readonly meanMs?: number;
    readonly bytesWritten: number;
    readonly singleFlightWaits: number;
  };
  /** Undefined when nothing is tailed (standalone mode, or the tailer has not started). */
  readonly tailer?: TailerLag;
  readonly prune: PruneTotals;
  readonly eventLoop: EventLoopDelay;
  readonly topRenditions: readonly RenditionSummary[];
  readonly recentMisses: readonly MissRecord[];
}

export interface SnapshotDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
  readonly observability: Observability;
}

export function statusSnapshot(deps: SnapshotDeps, nowMs = Date.now()): StatusSnapshot {
  const { config, store, filler, observability } = deps;
  const totals = cacheTotals(store);
  const counts = accessCounts(store);
  const { stats } = filler;
  return {
    generatedMs: nowMs,
    version: packageVersion(),
    mode: config.mode,
    packager: config.packager,
    urlPrefix: config.urlPrefix,
    uptimeSec: Math.max(0, (nowMs - observability.startedMs) / 1000),
    cache: {
      bytes: totals.bytes,
      files: totals.files,
      packages: totals.packages,
      maxSizeBytes: config.prune.maxSizeBytes,
      oldestAccessMs: totals.oldest_access_ms,
      newestAccessMs: totals.newest_access_ms,
    },
    access: { ...counts, hitRatio: hitRatio(counts) },
    packaging: {
      misses: stats.misses,
      runs: stats.packagerRuns,
      meanMs: stats.packagerRuns > 0 ? stats.packagingMs / stats.packagerRuns : undefined,
      bytesWritten: stats.bytesWritten,
      singleFlightWaits: filler.flightStats.waits,
    },
    tailer: observability.tailerLag(),
    prune: pruneTotals(store),
    eventLoop: observability.eventLoop.read(),
    topRenditions: topRenditionsByHits(store, TOP_RENDITIONS_SHOWN),
    recentMisses: filler.recentMisses.list(),
  };
}
