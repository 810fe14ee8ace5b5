// One generation per key at a time (as proxy_cache_lock): later callers wait for the first, for a bounded time.

import { CasterpakError } from '../errors.js';

/** What a single-flight key names besides the file: the source's identity, so a replaced source is a new flight. */
interface SourceIdentity {
  readonly relPath: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

/**
 * The flight of one file of one source identity. Unlike generation keys (store/generation-keys.ts), which say
 * what a run claims in the database, flight keys say which callers may share a run in this process.
 */
export function fileFlightKey(cachePath: string, src: SourceIdentity): string {
  return `${cachePath}@${src.sizeBytes}:${src.mtimeMs}`;
}

/** The flight of a whole-rendition packaging run of one source identity. */
export function renditionFlightKey(src: SourceIdentity): string {
  return `rendition:${src.relPath}@${src.sizeBytes}:${src.mtimeMs}`;
}

export interface FlightStats {
  /** Callers that found a generation in progress and waited for it. */
  waits: number;
}

/** One map for every kind of generation; each key's callers agree on what its promise holds. */
export class SingleFlight<T = unknown> {
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
  async run<R extends T>(key: string, generate: () => Promise<R>, maxWaitMs: number): Promise<R> {
    const running = this.inFlight.get(key) as Promise<R> | undefined;
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

/**
 * Bounds how many generations run at once (config `max_concurrent_packaging`) and how many wait for a
 * slot (`max_queued_packaging`); a queued task waits a bounded time.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(
    private readonly max: number,
    private readonly maxQueued = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * Runs `task` when a slot is free. Gives up with BUSY (503) at once when the queue is full, so a
   * burst of misses cannot pile up unbounded work and memory, or after `maxQueueMs` in the queue (docs/cache-and-log-rules.md#single-flight).
   */
  async run<T>(maxQueueMs: number, task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await this.waitForSlot(maxQueueMs);
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.queue.shift()?.();
    }
  }

  private waitForSlot(maxQueueMs: number): Promise<void> {
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(
        new CasterpakError('BUSY', 'the packaging queue is full, try again', { queued: this.queue.length, running: this.active }),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.queue.splice(this.queue.indexOf(wake), 1);
        reject(new CasterpakError('BUSY', 'too many packaging jobs queued, try again', { waitedMs: maxQueueMs, running: this.active }));
      }, maxQueueMs);
      this.queue.push(wake);
    });
  }

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.queue.length;
  }
}
