// The tailer's rows in SQLite: accesses, positions and counters, written together in one immediate transaction.

import type { Store } from '../store/store.js';

export interface TailCursorRow {
  log_path: string;
  dev: number;
  ino: number;
  offset: number;
  check_hash: string;
  size_seen: number;
  last_line_ms: number | null;
  updated_ms: number;
}

export interface TailRotatedRow {
  dev: number;
  ino: number;
  offset: number;
  check_hash: string;
  size_seen: number;
  rotated_ms: number;
  updated_ms: number;
}

/** A file's position as it is committed. */
export interface FilePosition {
  readonly dev: number;
  readonly ino: number;
  readonly offset: number;
  readonly checkHash: string;
  readonly sizeSeen: number;
}

/** Accesses to one cache file within a flush: summed hits, latest time. */
export interface AccessTotal {
  hits: number;
  accessMs: number;
}

export const COUNTER_NAMES = ['lines', 'hits', 'misses', 'ignored', 'bad', 'unmatched'] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

export function zeroCounters(): Counters {
  return { lines: 0, hits: 0, misses: 0, ignored: 0, bad: 0, unmatched: 0 };
}

/** Everything one flush commits at once: a replay after a crash re-reads exactly the uncommitted lines. */
export interface Flush {
  readonly accesses?: ReadonlyMap<string, AccessTotal>;
  /** The file at the log path; omitted when this flush did not move it. */
  readonly cursor?: FilePosition & { readonly logPath: string; readonly lastLineMs: number | null };
  readonly rotated?: readonly (FilePosition & { readonly rotatedMs: number })[];
  /** Rotated files fully drained and closed. */
  readonly retired?: readonly { readonly dev: number; readonly ino: number }[];
  readonly counters?: Partial<Counters>;
  /** When the cursor's file was last confirmed to be the one at the log path. */
  readonly updatedMs: number;
}

export function loadCursor(store: Store): TailCursorRow | undefined {
  return store.statement('tailCursor').get() as TailCursorRow | undefined;
}

export function loadRotated(store: Store): TailRotatedRow[] {
  return store.statement('tailRotated').all() as TailRotatedRow[];
}

/**
 * The lifetime counters, the tailer's and those the daemon adds for what it serves itself (store/operator-queries.ts
 * recordServed): the one reader of them, for the status page and /metrics alike.
 */
export function loadCounters(store: Store): Counters {
  const counters = zeroCounters();
  for (const row of store.statement('tailCounters').all() as { name: string; value: number }[]) {
    if ((COUNTER_NAMES as readonly string[]).includes(row.name)) counters[row.name as CounterName] = row.value;
  }
  return counters;
}

/**
 * Commits a flush in one IMMEDIATE transaction (docs/cache-and-log-rules.md#tail-same-transaction). Returns how many accessed paths had no
 * cache_files row (a file deleted meanwhile, or not made by CasterPak): those accesses have nothing to update.
 */
export function commitFlush(store: Store, flush: Flush): number {
  return store.write(() => {
    let unmatched = 0;
    for (const [path, total] of flush.accesses ?? []) {
      const { changes } = store.statement('recordAccess').run({ path, accessMs: total.accessMs, hits: total.hits });
      if (changes === 0) unmatched += 1;
    }
    if (flush.cursor) {
      const { logPath, dev, ino, offset, checkHash, sizeSeen, lastLineMs } = flush.cursor;
      store.statement('upsertTailCursor').run({ logPath, dev, ino, offset, checkHash, sizeSeen, lastLineMs, updatedMs: flush.updatedMs });
    }
    for (const r of flush.rotated ?? []) {
      store.statement('upsertTailRotated').run({ dev: r.dev, ino: r.ino, offset: r.offset, checkHash: r.checkHash, sizeSeen: r.sizeSeen, rotatedMs: r.rotatedMs, updatedMs: flush.updatedMs });
    }
    for (const r of flush.retired ?? []) store.statement('deleteTailRotated').run({ dev: r.dev, ino: r.ino });
    const counters = { ...flush.counters, unmatched: (flush.counters?.unmatched ?? 0) + unmatched };
    for (const [name, value] of Object.entries(counters)) {
      if (value) store.statement('addTailCounter').run({ name, value });
    }
    return unmatched;
  });
}
