// Event-loop delay over fixed windows (perf_hooks.monitorEventLoopDelay), so figures do not depend on who reads them.

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface EventLoopDelay {
  readonly p50Sec: number;
  readonly p90Sec: number;
  readonly p99Sec: number;
  readonly maxSec: number;
  /** Length of the window the figures cover. */
  readonly windowSec: number;
}

const NS_PER_SEC = 1e9;

function figures(histogram: IntervalHistogram, windowSec: number): EventLoopDelay {
  // An empty histogram reports NaN/huge values: no sample means no delay seen.
  const pick = (ns: number) => (histogram.count > 0 && Number.isFinite(ns) ? ns / NS_PER_SEC : 0);
  return {
    p50Sec: pick(histogram.percentile(50)),
    p90Sec: pick(histogram.percentile(90)),
    p99Sec: pick(histogram.percentile(99)),
    maxSec: pick(histogram.max),
    windowSec,
  };
}

/**
 * Samples the loop every `resolutionMs` and publishes the figures of the last complete window of `windowMs`
 * (a scrape every 15 s and a status page refreshed at will see the same numbers).
 */
export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  private last: EventLoopDelay | undefined;
  private windowStartedMs = Date.now();

  constructor(private readonly windowMs = 15_000, resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), windowMs);
    this.timer.unref();
  }

  private rotate(): void {
    this.last = figures(this.histogram, (Date.now() - this.windowStartedMs) / 1000);
    this.histogram.reset();
    this.windowStartedMs = Date.now();
  }

  /** The last complete window, or the current one until the first window ends. */
  read(): EventLoopDelay {
    return this.last ?? figures(this.histogram, (Date.now() - this.windowStartedMs) / 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
