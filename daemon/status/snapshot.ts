// One picture of the daemon for the status page and status.json: `casterpakd status`'s figures plus this process's own.

import type { CacheFiller } from '../cache/filler.js';
import type { MissRecord } from '../cache/recent-misses.js';
import type { Config } from '../config.js';
import type { EventLoopDelay } from '../metrics/event-loop.js';
import type { Observability } from '../metrics/observability.js';
import { packageVersion } from '../package-root.js';
import { pruneTotals, type PruneTotals } from '../store/operator-queries.js';
import type { Store } from '../store/store.js';
import { cacheStatus, type CacheStatus } from './cache-status.js';
import { positionedLag, type TailerLag } from '../tail/lag.js';

export const TOP_RENDITIONS_SHOWN = 10;

export interface StatusSnapshot {
  readonly generatedMs: number;
  readonly version: string;
  readonly mode: Config['mode'];
  readonly packager: Config['packager'];
  readonly urlPrefix: string;
  readonly uptimeSec: number;
  /** Size against the cap, files, packages, free space: as `casterpakd status` shows them. */
  readonly cache: CacheStatus['cache'];
  /** Hits, misses, the ratio and where the counts come from. */
  readonly hits: CacheStatus['hits'];
  readonly access: CacheStatus['access'];
  /** Undefined while nothing is tailed (standalone mode, or the tailer has no position yet). */
  readonly tailer?: TailerLag;
  /** What this process packaged since it started. */
  readonly packaging: {
    readonly misses: number;
    readonly runs: number;
    readonly meanMs?: number;
    readonly bytesWritten: number;
    readonly singleFlightWaits: number;
  };
  readonly prune: PruneTotals;
  readonly eventLoop: EventLoopDelay;
  readonly topRenditions: CacheStatus['topRenditions'];
  readonly recentMisses: readonly MissRecord[];
}

export interface SnapshotDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
  readonly observability: Observability;
}

export async function statusSnapshot(deps: SnapshotDeps, nowMs = Date.now()): Promise<StatusSnapshot> {
  const { config, store, filler, observability } = deps;
  // Measured once: the cache figures and the tailer card show the same lag.
  const lag = await observability.tailerLag();
  const status = await cacheStatus(config, { top: TOP_RENDITIONS_SHOWN, lag: lag ?? null }, store);
  const { stats } = filler;
  return {
    generatedMs: nowMs,
    version: packageVersion(),
    mode: config.mode,
    packager: config.packager,
    urlPrefix: config.urlPrefix,
    uptimeSec: Math.max(0, (nowMs - observability.startedMs) / 1000),
    cache: status.cache,
    hits: status.hits,
    access: status.access,
    tailer: positionedLag(lag),
    packaging: {
      misses: stats.misses,
      runs: stats.packagerRuns,
      meanMs: stats.packagerRuns > 0 ? stats.packagingMs / stats.packagerRuns : undefined,
      bytesWritten: stats.bytesWritten,
      singleFlightWaits: filler.flightStats.waits,
    },
    prune: pruneTotals(store),
    eventLoop: observability.eventLoop.read(),
    topRenditions: status.topRenditions,
    recentMisses: filler.recentMisses.list(),
  };
}

/**
 * status.json: the snapshot with the tailer's lag under the names that file has always used
 * (the time since the tailer's last commit is `commitAgeSec` there).
 */
export function statusJson(snapshot: StatusSnapshot): object {
  const { tailer } = snapshot;
  return { ...snapshot, tailer: tailer && { bytesBehind: tailer.bytesBehind, secondsBehind: tailer.secondsBehind, commitAgeSec: tailer.cursorAgeSec } };
}
