// At start-up: the committed positions in SQLite → the files to read and where, whatever happened while stopped.

import { checkHashAt } from './check-window.js';
import { FollowedFile } from './followed-file.js';
import { findUnread, listChain, locate, UNREAD_SLACK_MS } from './log-chain.js';
import type { TailLogger } from './bad-line-log.js';
import { loadCursor, loadRotated, type TailCursorRow } from './tail-state.js';
import type { Store } from '../store/store.js';

export interface RestoredFiles {
  /** The file at the log path, positioned; undefined while the log does not exist. */
  readonly current: FollowedFile | undefined;
  /** Older files still to drain, oldest first, positioned. */
  readonly rotated: FollowedFile[];
  /** What the restart found: the cursor's file in place, rotated away, rewritten, or no cursor at all. */
  readonly found: 'in-place' | 'rotated' | 'rewritten' | 'fresh';
  /** Rotated files in SQLite that are gone (compressed, deleted): their rows are to be dropped. */
  readonly lost: { readonly dev: number; readonly ino: number }[];
}

function positionOf(row: { dev: number; ino: number; offset: number; check_hash: string }) {
  return { dev: row.dev, ino: row.ino, offset: row.offset, checkHash: row.check_hash };
}

async function cursorStillHolds(current: FollowedFile | undefined, cursor: TailCursorRow): Promise<boolean> {
  if (!current || !current.sameIdentity(cursor)) return false;
  return (await checkHashAt(current.handle, cursor.offset)) === cursor.check_hash;
}

/**
 * Rebuilds the reading position (docs/cache-and-log-rules.md#tailing): the cursor's file at the log path with the same bytes
 * before the offset resumes there; otherwise the file is looked for among the rotations (by inode, then by
 * content), files rotated in between are read from their start, and the file at the path is read from 0.
 */
export async function restoreFiles(store: Store, logPath: string, log: TailLogger): Promise<RestoredFiles> {
  const nowMs = Date.now();
  const stored = loadCursor(store);
  // A cursor for another log (the config's access_log changed) says nothing about this one.
  const cursor = stored && stored.log_path === logPath ? stored : undefined;
  const chain = await listChain(logPath);
  const current = await FollowedFile.open(logPath);
  const opened: FollowedFile[] = current ? [current] : [];
  const rotated: FollowedFile[] = [];
  const lost: { dev: number; ino: number }[] = [];

  for (const row of loadRotated(store)) {
    const file = await locate(chain, positionOf(row), opened);
    if (!file) {
      lost.push({ dev: row.dev, ino: row.ino });
      log.warn({ dev: row.dev, ino: row.ino, offset: row.offset, sizeSeen: row.size_seen }, 'access log: a rotated log being drained is gone; its unread lines are lost');
      continue;
    }
    file.rotatedAtMs = nowMs;
    rotated.push(file);
    opened.push(file);
  }

  if (!cursor) return { current, rotated, found: 'fresh', lost };
  if (await cursorStillHolds(current, cursor)) {
    await current!.resumeAt(cursor.offset);
    return { current, rotated, found: 'in-place', lost };
  }

  const previous = await locate(chain, positionOf(cursor), opened);
  if (previous) {
    previous.rotatedAtMs = nowMs;
    rotated.push(previous);
    opened.push(previous);
  } else if (!current?.sameIdentity(cursor)) {
    log.warn({ dev: cursor.dev, ino: cursor.ino, offset: cursor.offset }, 'access log: the log read last is gone (compressed or deleted); its unread lines are lost');
  }
  for (const file of await findUnread(chain, cursor.updated_ms - UNREAD_SLACK_MS, opened)) {
    file.rotatedAtMs = nowMs;
    rotated.push(file);
  }
  const rewritten = current?.sameIdentity(cursor) ?? false;
  log.info({ logPath, resumedOld: Boolean(previous), filesToDrain: rotated.length }, rewritten ? 'access log: rewritten while stopped; reading it from the start' : 'access log: rotated while stopped; draining the old file first');
  return { current, rotated, found: rewritten ? 'rewritten' : 'rotated', lost };
}
