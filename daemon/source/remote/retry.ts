// Bounded retries with backoff for origin requests, each attempt timed and counted.

import { OriginFailure, networkFailure, type FailureKind } from './origin.js';
import type { OriginResult, OriginStats } from './origin-stats.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Wait before the second attempt; doubled before each later one. */
  readonly baseDelayMs: number;
}

/** Three attempts, 100 ms then 200 ms apart: a restarting origin or a reset connection costs well under a second. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100 };

const RESULT_OF: Record<FailureKind, OriginResult> = { 'not-found': 'not_found', changed: 'changed', timeout: 'timeout', failed: 'error' };

/**
 * Runs `attempt` until it succeeds, fails in a way another attempt cannot fix (4xx, a timeout: retrying
 * a timeout would outlast packaging_timeout), or the attempts run out. `attempt` resolves to the value
 * and the body bytes it received.
 */
export async function withRetries<T>(stats: OriginStats, policy: RetryPolicy, attempt: () => Promise<{ value: T; bytes: number }>): Promise<T> {
  for (let n = 1; ; n++) {
    const startedMs = performance.now();
    try {
      const { value, bytes } = await attempt();
      stats.record({ result: 'ok', bytes, durationMs: performance.now() - startedMs });
      return value;
    } catch (err) {
      const failure = err instanceof OriginFailure ? err : networkFailure(err);
      stats.record({ result: RESULT_OF[failure.kind], bytes: 0, durationMs: performance.now() - startedMs });
      if (!failure.retryable || n >= policy.attempts) throw failure;
      await new Promise((resolve) => setTimeout(resolve, policy.baseDelayMs * 2 ** (n - 1)));
    }
  }
}

/** An HTTP status that is not the one expected → the failure it stands for. */
export function statusFailure(status: number, what: string): OriginFailure {
  if (status === 404 || status === 410) return new OriginFailure('not-found', `${what}: HTTP ${status}`);
  if (status === 412 || status === 416) return new OriginFailure('changed', `${what}: HTTP ${status}`);
  return new OriginFailure('failed', `${what}: HTTP ${status}`, status >= 500 || status === 429);
}
