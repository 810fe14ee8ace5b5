// Metrics of a remote media_root (HTTP origin or S3): requests, bytes, latency by result, moov cache use.

import { Counter, Histogram, type Registry } from 'prom-client';
import { ORIGIN_RESULTS, type OriginStats } from '../source/remote/origin-stats.js';

/** Origin requests last from a loopback millisecond to the origin_timeout. */
const ORIGIN_BUCKETS_SEC = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Registers the origin metrics when the source is remote; returns the unsubscribe function. */
export function registerOriginMetrics(registry: Registry, stats: OriginStats | undefined): () => void {
  if (!stats) return () => undefined;
  new Counter({
    name: 'casterpak_origin_requests_total',
    help: 'Requests to the remote source (each attempt of a retried one counts), by result: ok, not_found, changed, error, timeout.',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const result of ORIGIN_RESULTS) this.inc({ result }, stats.requests.get(result) ?? 0);
    },
  });
  new Counter({
    name: 'casterpak_origin_bytes_total',
    help: 'Body bytes received from the remote source.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.bytes);
    },
  });
  new Counter({
    name: 'casterpak_moov_cache_reads_total',
    help: 'Header reads of remote sources (box headers, moov, moofs, probes) by result: hit (from the moov cache under state_dir) or miss (from the origin).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, stats.moovCache.hits);
      this.inc({ result: 'miss' }, stats.moovCache.misses);
    },
  });
  const latency = new Histogram({
    name: 'casterpak_origin_request_duration_seconds',
    help: 'Duration of requests to the remote source, by result.',
    labelNames: ['result'],
    buckets: ORIGIN_BUCKETS_SEC,
    registers: [registry],
  });
  return stats.onRequest((record) => latency.observe({ result: record.result }, record.durationMs / 1000));
}
