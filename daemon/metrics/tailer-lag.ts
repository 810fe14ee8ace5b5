// How far the access-log tailer is behind nginx, from a live tailer or from what it last committed to SQLite.

import { statSync } from 'node:fs';
import type { Store } from '../store/store.js';

export interface TailerLag {
  /** Bytes written to the log (and rotated files still being drained) that are not counted yet. */
  readonly bytesBehind: number;
  /** Age of the newest line read while behind; 0 when caught up. */
  readonly secondsBehind: number;
  /** Time since the tailer last committed (it stamps its cursor even when idle); undefined from a live tailer. */
  readonly commitAgeSec?: number;
}

/** Plugs a live tailer in (`() => tailer.stats()`); returns undefined while nothing is tailed. */
export type TailerLagSource = () => TailerLag | undefined;

interface PositionRow {
  dev: number;
  ino: number;
  offset: number;
  size_seen: number;
}

interface CursorRow extends PositionRow {
  log_path: string;
  last_line_ms: number | null;
  updated_ms: number;
}

function currentLogStat(logPath: string): { dev: number; ino: number; size: number } | undefined {
  try {
    const stat = statSync(logPath);
    return { dev: stat.dev, ino: stat.ino, size: stat.size };
  } catch {
    return undefined;
  }
}

/**
 * The lag as committed: the cursor's offset against the log file's size now, plus what rotated files still
 * hold. Works from any process (the status page, `/metrics`) whether or not the tailer runs in this one.
 */
export function lagFromCommitted(store: Store, logPath: string, nowMs = Date.now()): TailerLag | undefined {
  const cursor = store.statement('tailCursor').get() as CursorRow | undefined;
  if (!cursor || cursor.log_path !== logPath) return undefined;
  const rotated = store.statement('tailRotated').all() as PositionRow[];
  const atPath = currentLogStat(logPath);
  let bytesBehind = rotated.reduce((sum, r) => sum + Math.max(0, r.size_seen - r.offset), 0);
  const sameFile = atPath && atPath.dev === cursor.dev && atPath.ino === cursor.ino;
  if (sameFile) {
    bytesBehind += Math.max(0, atPath.size - cursor.offset);
  } else {
    bytesBehind += Math.max(0, cursor.size_seen - cursor.offset);
    // A file at the path that the tailer has not opened yet is unread from its start.
    const known = atPath && rotated.some((r) => r.dev === atPath.dev && r.ino === atPath.ino);
    if (atPath && !known) bytesBehind += atPath.size;
  }
  const secondsBehind = bytesBehind > 0 && cursor.last_line_ms !== null ? Math.max(0, (nowMs - cursor.last_line_ms) / 1000) : 0;
  return { bytesBehind, secondsBehind, commitAgeSec: Math.max(0, (nowMs - cursor.updated_ms) / 1000) };
}
