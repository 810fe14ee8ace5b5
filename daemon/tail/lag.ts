// How far the access-log tailer is behind nginx: the one lag figure of every operator view, measured from SQLite and the log on disk.

import { open, stat } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { lineAccessMs } from './log-line.js';
import { loadCursor, loadRotated } from './tail-state.js';

export interface TailerLag {
  /** The access log exists (nothing to tail otherwise). */
  readonly logExists: boolean;
  /** The tailer has committed a position for this log at least once. */
  readonly hasCursor: boolean;
  /** Bytes written and not yet counted, rotated files included. */
  readonly bytesBehind: number;
  /** Age of the oldest line not yet counted; 0 when nothing complete is waiting. */
  readonly secondsBehind: number;
  /** Seconds since the tailer last stamped its cursor (it does so every few seconds while running). */
  readonly cursorAgeSec: number | undefined;
  /** `$msec` of the newest line counted. */
  readonly lastLineMs: number | null;
}

/** The `$msec` of the first complete line at `offset`, or undefined if none is complete yet. */
async function lineMsAt(logPath: string, offset: number): Promise<number | undefined> {
  const handle = await open(logPath, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return end === -1 ? undefined : lineAccessMs(buffer.toString('utf8', 0, end));
  } finally {
    await handle.close();
  }
}

/**
 * Measures the lag from SQLite and the log file. Seconds behind come from the first uncounted line's own
 * timestamp, so a tailer that is simply idle is never "behind", and a dead one is as far behind as the oldest
 * line it has not read.
 */
export async function measureTailerLag(store: Store, logPath: string, nowMs = Date.now()): Promise<TailerLag> {
  const st = await stat(logPath).catch(() => undefined);
  const stored = loadCursor(store);
  const cursor = stored && stored.log_path === logPath ? stored : undefined;
  const rotatedBehind = loadRotated(store).reduce((sum, r) => sum + Math.max(0, r.size_seen - r.offset), 0);
  const base = { logExists: st !== undefined, hasCursor: cursor !== undefined, cursorAgeSec: cursor ? (nowMs - cursor.updated_ms) / 1000 : undefined, lastLineMs: cursor?.last_line_ms ?? null };
  if (!st) return { ...base, bytesBehind: rotatedBehind, secondsBehind: 0 };
  // The cursor's file is still the log (the usual case), or the log was rotated/rewritten since: read from 0.
  const sameFile = cursor !== undefined && cursor.dev === st.dev && cursor.ino === st.ino && st.size >= cursor.offset;
  const offset = sameFile ? cursor.offset : 0;
  const bytesBehind = st.size - offset + rotatedBehind;
  if (st.size === offset) return { ...base, bytesBehind, secondsBehind: 0 };
  const firstUnreadMs = await lineMsAt(logPath, offset).catch(() => undefined);
  // Unreadable or not our format: the file's last write is the best bound on how long it has waited.
  const waitingSinceMs = firstUnreadMs ?? (cursor ? Math.min(cursor.updated_ms, st.mtimeMs) : st.mtimeMs);
  return { ...base, bytesBehind, secondsBehind: Math.max(0, (nowMs - waitingSinceMs) / 1000) };
}

/** Where a view gets the lag; resolves to undefined when nothing is tailed (standalone mode). */
export type TailerLagSource = () => Promise<TailerLag | undefined>;

/** The lag as the tailer committed it, from any process: measured in nginx mode, none in standalone mode. */
export function committedLagSource(config: Config, store: Store): TailerLagSource {
  return config.mode === 'nginx' ? () => measureTailerLag(store, config.accessLog) : async () => undefined;
}

/** The lag while the tailer has a position in this log; before that its figures mean nothing. */
export function positionedLag(lag: TailerLag | undefined): TailerLag | undefined {
  return lag?.hasCursor ? lag : undefined;
}
