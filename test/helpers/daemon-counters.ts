// What a running daemon counted, read from its /metrics.

import type { RunningDaemon } from './daemon.js';
import { parsePrometheusText, sampleValue } from './prom-text.js';

export interface Counters {
  misses: number;
  singleFlightWaits: number;
  /** Packaging runs of every outcome (the duration histogram's counts added up). */
  packagingRuns: number;
  /** Runs ended by packaging_timeout. */
  packagingTimeouts: number;
}

/** The daemon's counters, read from its own /metrics. */
export async function daemonCounters(daemon: RunningDaemon): Promise<Counters> {
  const res = await daemon.get('/metrics');
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${res.text()}`);
  const families = parsePrometheusText(res.text());
  const runs = families.get('casterpak_packaging_duration_seconds')?.samples.filter((s) => s.name.endsWith('_count')) ?? [];
  return {
    misses: sampleValue(families, 'casterpak_misses_total') ?? NaN,
    singleFlightWaits: sampleValue(families, 'casterpak_singleflight_waits_total') ?? NaN,
    packagingRuns: runs.reduce((sum, s) => sum + s.value, 0),
    packagingTimeouts: runs.filter((s) => s.labels.outcome === 'PACKAGER_TIMEOUT').reduce((sum, s) => sum + s.value, 0),
  };
}

/** The difference of each counter between two readings. */
export function countersSince(before: Counters, after: Counters): Counters {
  return {
    misses: after.misses - before.misses,
    singleFlightWaits: after.singleFlightWaits - before.singleFlightWaits,
    packagingRuns: after.packagingRuns - before.packagingRuns,
    packagingTimeouts: after.packagingTimeouts - before.packagingTimeouts,
  };
}
