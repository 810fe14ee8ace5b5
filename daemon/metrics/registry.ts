// The daemon's Prometheus metrics (prom-client): live counters from this process, cache and prune figures read from SQLite at scrape time.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CacheFiller } from '../cache/filler.js';
import type { Config } from '../config.js';
import { cacheTotals, pruneTotals, type CacheTotals, type PruneTotals } from '../store/operator-queries.js';
import { positionedLag, type TailerLag, type TailerLagSource } from '../tail/lag.js';
import { loadCounters } from '../tail/tail-state.js';
import type { Store } from '../store/store.js';
import type { EventLoopMonitor } from './event-loop.js';
import { registerOriginMetrics } from './origin-metrics.js';
import type { RouteLabel } from './route-label.js';

export interface MetricsDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
  readonly tailerLag: TailerLagSource;
  readonly eventLoop: EventLoopMonitor;
}

/** Packaging runs last from milliseconds (one builtin segment) to minutes (a long rendition with ffmpeg). */
const PACKAGING_BUCKETS_SEC = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

const MS_PER_SEC = 1000;

interface ScrapeFigures {
  readonly totals: CacheTotals;
  readonly prune: PruneTotals;
  readonly lag: TailerLag | undefined;
}

/** A counter whose value is a running total kept elsewhere (the filler, SQLite), set at each scrape. */
function totalCounter(registry: Registry, name: string, help: string, total: () => number): Counter {
  return new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(total());
    },
  });
}

function gauge(registry: Registry, name: string, help: string, value: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(value());
    },
  });
}

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'status'>;
  private readonly unsubscribe: () => void;
  private readonly store: Store;
  private readonly tailerLag: TailerLagSource;
  /** The figures of the scrape in progress, measured once (SQLite, the log file) and shared by its gauges. */
  private scrape: ScrapeFigures | undefined;
  private rendering: Promise<unknown> = Promise.resolve();

  constructor(deps: MetricsDeps) {
    const { registry } = this;
    this.store = deps.store;
    this.tailerLag = deps.tailerLag;
    collectDefaultMetrics({ register: registry });
    this.requests = new Counter({
      name: 'casterpak_http_requests_total',
      help: 'Requests the daemon answered, by route and HTTP status (in nginx mode, cache hits never reach it).',
      labelNames: ['route', 'status'],
      registers: [registry],
    });
    const packaging = new Histogram({
      name: 'casterpak_packaging_duration_seconds',
      help: 'Duration of packaging runs started by misses, by packager and outcome (ok or the error code).',
      labelNames: ['packager', 'outcome'],
      buckets: PACKAGING_BUCKETS_SEC,
      registers: [registry],
    });
    const unsubscribePackaging = deps.filler.onPackaged((run) => packaging.observe({ packager: run.packager, outcome: run.outcome }, run.durationMs / MS_PER_SEC));
    const unsubscribeOrigin = registerOriginMetrics(registry, deps.filler.source.stats);
    this.unsubscribe = () => {
      unsubscribePackaging();
      unsubscribeOrigin();
    };
    this.fillerMetrics(deps);
    this.storeMetrics(deps);
    this.tailerMetrics();
    this.eventLoopMetrics(deps);
  }

  private fillerMetrics({ filler }: MetricsDeps): void {
    const r = this.registry;
    totalCounter(r, 'casterpak_misses_total', 'Requests that found their file missing from the cache (including those that waited for a run already going).', () => filler.stats.misses);
    totalCounter(r, 'casterpak_packaged_bytes_total', 'On-disk bytes of files published into the cache by packaging.', () => filler.stats.bytesWritten);
    totalCounter(r, 'casterpak_singleflight_waits_total', 'Misses that waited for a packaging run of the same file instead of starting one.', () => filler.flightStats.waits);
  }

  private async measure(): Promise<ScrapeFigures> {
    return { totals: cacheTotals(this.store), prune: pruneTotals(this.store), lag: positionedLag(await this.tailerLag()) };
  }

  /** Outside render() (a direct registry read) the lag is not measured: it needs an await. */
  private figures(): ScrapeFigures {
    return (this.scrape ??= { totals: cacheTotals(this.store), prune: pruneTotals(this.store), lag: undefined });
  }

  private storeMetrics({ store, config }: MetricsDeps): void {
    const r = this.registry;
    const totals = () => this.figures().totals;
    gauge(r, 'casterpak_cache_size_bytes', 'On-disk bytes of the files in the cache, as recorded in SQLite.', () => totals().bytes);
    gauge(r, 'casterpak_cache_files', 'Files in the cache, as recorded in SQLite.', () => totals().files);
    gauge(r, 'casterpak_cache_packages', 'Renditions with a package in the cache.', () => totals().packages);
    if (config.prune.maxSizeBytes !== undefined) {
      const cap = config.prune.maxSizeBytes;
      gauge(r, 'casterpak_cache_max_size_bytes', 'The size cap prune enforces (prune.max_size).', () => cap);
    }
    new Counter({
      name: 'casterpak_cache_requests_total',
      help: 'Requests for cache files counted from the access log (or served by the daemon in standalone mode), by result: hit or miss.',
      labelNames: ['result'],
      registers: [r],
      collect() {
        // The same reader as the status page's figures, so the two never disagree.
        const counts = loadCounters(store);
        this.reset();
        this.inc({ result: 'hit' }, counts.hits);
        this.inc({ result: 'miss' }, counts.misses);
      },
    });
    const prune = () => this.figures().prune;
    totalCounter(r, 'casterpak_prune_runs_total', 'Runs of casterpakd prune that could delete (dry runs excluded).', () => prune().runs);
    totalCounter(r, 'casterpak_prune_evicted_bytes_total', 'On-disk bytes deleted by casterpakd prune.', () => prune().bytesEvicted);
    totalCounter(r, 'casterpak_prune_evicted_files_total', 'Files deleted by casterpakd prune.', () => prune().filesEvicted);
    gauge(r, 'casterpak_prune_last_run_timestamp_seconds', 'When casterpakd prune last finished (0: never).', () => (prune().lastRunMs ?? 0) / MS_PER_SEC);
  }

  private tailerMetrics(): void {
    const r = this.registry;
    const lag = () => this.figures().lag;
    gauge(r, 'casterpak_tailer_active', '1 when the access-log tailer has a position in the log, else 0 (then the lag gauges mean nothing).', () => (lag() ? 1 : 0));
    gauge(r, 'casterpak_tailer_lag_bytes', 'Bytes of the access log not counted yet.', () => lag()?.bytesBehind ?? 0);
    gauge(r, 'casterpak_tailer_lag_seconds', 'How long the oldest uncounted log line has waited; 0 when caught up.', () => lag()?.secondsBehind ?? 0);
  }

  private eventLoopMetrics({ eventLoop }: MetricsDeps): void {
    new Gauge({
      name: 'casterpak_event_loop_delay_seconds',
      help: 'Event-loop delay over the last complete window (perf_hooks.monitorEventLoopDelay), by quantile.',
      labelNames: ['quantile'],
      registers: [this.registry],
      collect() {
        const delay = eventLoop.read();
        this.set({ quantile: '0.5' }, delay.p50Sec);
        this.set({ quantile: '0.9' }, delay.p90Sec);
        this.set({ quantile: '0.99' }, delay.p99Sec);
        this.set({ quantile: '1' }, delay.maxSec);
      },
    });
  }

  observeRequest(route: RouteLabel, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One scrape at a time: the shared figures belong to the scrape in progress. */
  render(): Promise<string> {
    const next = this.rendering.then(async () => {
      this.scrape = await this.measure();
      try {
        return await this.registry.metrics();
      } finally {
        this.scrape = undefined;
      }
    });
    this.rendering = next.catch(() => undefined);
    return next;
  }

  stop(): void {
    this.unsubscribe();
  }
}
