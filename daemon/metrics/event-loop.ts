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

/**
 * The histogram records the whole time between two timer ticks, which is at least the resolution on an idle
 * loop; the delay is what exceeds it. An empty histogram reports NaN or huge values: no sample, no delay seen.
 */
function figures(histogram: IntervalHistogram, resolutionMs: number, windowSec: number): EventLoopDelay {
  const resolutionNs = resolutionMs * 1e6;
  const pick = (ns: number) => (histogram.count > 0 && Number.isFinite(ns) ? Math.max(0, ns - resolutionNs) / NS_PER_SEC : 0);
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

  constructor(
    windowMs = 15_000,
    private readonly resolutionMs = 10,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), windowMs);
    this.timer.unref();
  }

  private rotate(): void {
    this.last = figures(this.histogram, this.resolutionMs, (Date.now() - this.windowStartedMs) / 1000);
    this.histogram.reset();
    this.windowStartedMs = Date.now();
  }

  /** The last complete window, or the current one until the first window ends. */
  read(): EventLoopDelay {
    return this.last ?? figures(this.histogram, this.resolutionMs, (Date.now() - this.windowStartedMs) / 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
