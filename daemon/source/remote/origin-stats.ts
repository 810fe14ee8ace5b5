// What remote sources cost: requests, bytes and latency by result, and reads the on-disk moov cache saved (read by /metrics).

/** How one origin request ended. */
export type OriginResult = 'ok' | 'not_found' | 'changed' | 'error' | 'timeout';

export const ORIGIN_RESULTS: readonly OriginResult[] = ['ok', 'not_found', 'changed', 'error', 'timeout'];

export interface OriginRequestRecord {
  readonly result: OriginResult;
  /** Body bytes received (0 for a HEAD). */
  readonly bytes: number;
  readonly durationMs: number;
}

export type OriginListener = (record: OriginRequestRecord) => void;

export class OriginStats {
  readonly requests = new Map<OriginResult, number>(ORIGIN_RESULTS.map((r) => [r, 0]));
  bytes = 0;
  /** Header reads (box headers, moov, probes) answered from the moov cache under state_dir, and fetched from the origin. */
  readonly moovCache = { hits: 0, misses: 0 };
  private readonly listeners = new Set<OriginListener>();

  record(record: OriginRequestRecord): void {
    this.requests.set(record.result, (this.requests.get(record.result) ?? 0) + 1);
    this.bytes += record.bytes;
    for (const listener of this.listeners) listener(record);
  }

  /** Calls `listener` after every origin request; returns the unsubscribe function. */
  onRequest(listener: OriginListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
