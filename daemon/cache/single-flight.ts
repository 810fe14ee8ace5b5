// One generation per key at a time (as proxy_cache_lock): later callers wait for the first, for a bounded time.

import { CasterpakError } from '../errors.js';

export interface FlightStats {
  /** Callers that found a generation in progress and waited for it. */
  waits: number;
}

export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();
  readonly stats: FlightStats = { waits: 0 };

  /** Keys being generated right now. */
  keys(): string[] {
    return [...this.inFlight.keys()];
  }

  /**
   * Runs `generate` for `key` unless it is already running; waiters give up with BUSY (503) after
   * `maxWaitMs` without disturbing the generation, which still publishes for the next request.
   */
  async run(key: string, generate: () => Promise<T>, maxWaitMs: number): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) {
      this.stats.waits += 1;
      return withDeadline(running, maxWaitMs, key);
    }
    const flight = generate().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, key: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CasterpakError('BUSY', 'still being packaged, try again', { key, waitedMs: ms })), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Bounds how many generations run at once (config `max_concurrent_packaging`). */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }
}
