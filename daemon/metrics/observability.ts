// Everything the operator views share: the metrics registry, the event-loop monitor, the tailer's lag, the start time.

import type { CacheFiller } from '../cache/filler.js';
import type { Config } from '../config.js';
import { committedLagSource, type TailerLagSource } from '../tail/lag.js';
import type { Store } from '../store/store.js';
import { EventLoopMonitor } from './event-loop.js';
import { DaemonMetrics } from './registry.js';

export interface ObservabilityDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
  /** Another source of the lag; by default it is measured from what the tailer committed to SQLite. */
  readonly tailerLag?: TailerLagSource;
}

export interface Observability {
  readonly metrics: DaemonMetrics;
  readonly eventLoop: EventLoopMonitor;
  readonly tailerLag: TailerLagSource;
  readonly startedMs: number;
  stop(): void;
}

export function createObservability(deps: ObservabilityDeps): Observability {
  const eventLoop = new EventLoopMonitor();
  const tailerLag = deps.tailerLag ?? committedLagSource(deps.config, deps.store);
  const metrics = new DaemonMetrics({ ...deps, tailerLag, eventLoop });
  return {
    metrics,
    eventLoop,
    tailerLag,
    startedMs: Date.now(),
    stop() {
      metrics.stop();
      eventLoop.stop();
    },
  };
}
