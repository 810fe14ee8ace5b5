// The files being read: the one at the log path, and older ones still draining after a rotation or truncation.

import { stat } from 'node:fs/promises';
import type { Store } from '../store/store.js';
import type { TailLogger } from './bad-line-log.js';
import { FollowedFile } from './followed-file.js';
import { findUnread, listChain, locate, UNREAD_SLACK_MS } from './log-chain.js';
import { restoreFiles } from './restore.js';
import type { Flush } from './tail-state.js';

type Identity = { dev: number; ino: number };

export class LogFileSet {
  current: FollowedFile | undefined;
  /** Oldest first; each is closed only once drained and quiet (docs/cache-and-log-rules.md#tail-rotation). */
  rotated: FollowedFile[] = [];
  /** When a stat last showed `current` at the log path; committed as the cursor's updated_ms. */
  confirmedMs = 0;
  /** A change of files not yet written to SQLite. */
  dirty = false;
  rotations = 0;
  truncations = 0;
  private retiredPending: Identity[] = [];
  /** Files read to the end lately: never mistaken for an unread rotation. */
  private recentlyRetired: Identity[] = [];
  /** Partial lines left in retired files: bad lines, for the next commit. */
  private unsavedBad = 0;

  constructor(
    private readonly logPath: string,
    private readonly log: TailLogger,
  ) {}

  async restore(store: Store): Promise<void> {
    const restored = await restoreFiles(store, this.logPath, this.log);
    this.current = restored.current;
    this.rotated = restored.rotated;
    this.retiredPending.push(...restored.lost);
    this.confirmedMs = Date.now();
    this.dirty = true;
  }

  all(): FollowedFile[] {
    return this.current ? [...this.rotated, this.current] : [...this.rotated];
  }

  async closeAll(): Promise<void> {
    for (const file of this.all()) await file.close();
    this.current = undefined;
    this.rotated = [];
  }

  /** Compares the log path with the file being read: rename rotation, truncation, or a log that appeared. */
  async refresh(): Promise<void> {
    const before = Date.now();
    const st = await stat(this.logPath).catch(() => undefined);
    for (const file of this.rotated) await file.size();
    if (!st) return; // renamed away and not created again yet: keep reading the descriptor we hold
    if (!this.current) {
      this.current = await FollowedFile.open(this.logPath);
      this.dirty = true;
    } else if (!this.current.sameIdentity(st)) {
      await this.onRotation();
      return;
    } else if (!(await this.current.unchanged())) {
      await this.onTruncation();
    }
    this.confirmedMs = before;
  }

  /** Rename rotation: the old descriptor is kept, drained, and read for late writes. */
  private async onRotation(): Promise<void> {
    const old = this.current!;
    old.rotatedAtMs = Date.now();
    this.rotated.push(old);
    const openedMs = Date.now();
    const fresh = await FollowedFile.open(this.logPath);
    const known = [...this.rotated, ...(fresh ? [fresh] : []), ...this.recentlyRetired];
    // Two rotations between two looks: the middle file was never at the path when we looked.
    const unread = await findUnread(await listChain(this.logPath), this.confirmedMs - UNREAD_SLACK_MS, known);
    for (const file of unread) file.rotatedAtMs = old.rotatedAtMs;
    this.rotated.push(...unread);
    this.current = fresh;
    if (fresh) this.confirmedMs = openedMs;
    this.rotations += 1;
    this.dirty = true;
    this.log.info({ logPath: this.logPath, oldIno: old.ino, newIno: fresh?.ino, unreadRotations: unread.length }, 'access log: rotated; draining the old file');
  }

  /** copytruncate (docs/cache-and-log-rules.md#tail-truncation): read on from the copy if there is one, and the log again from 0. */
  private async onTruncation(): Promise<void> {
    const current = this.current!;
    const position = { dev: -1, ino: -1, offset: current.offset, checkHash: current.window.hash() };
    const copy = await locate(await listChain(this.logPath), position, this.all());
    if (copy) {
      copy.rotatedAtMs = Date.now();
      this.rotated.push(copy);
    }
    current.restartFromZero();
    this.truncations += 1;
    this.dirty = true;
    this.log.info({ logPath: this.logPath, copyFound: Boolean(copy) }, 'access log: truncated; reading it again from the start');
  }

  /** Closes rotated files that are read to the end and quiet for the grace period; never an undrained one. */
  async retireDrained(graceMs: number): Promise<void> {
    const nowMs = Date.now();
    const keep: FollowedFile[] = [];
    for (const file of this.rotated) {
      const quietSinceMs = Math.max(file.rotatedAtMs ?? nowMs, file.lastDataMs);
      if ((await file.size()) > file.offset + file.pending.length || nowMs - quietSinceMs < graceMs) {
        keep.push(file);
        continue;
      }
      // A line cut short when the file stopped growing can never be completed.
      if (file.pending.length > 0) this.unsavedBad += 1;
      this.retiredPending.push({ dev: file.dev, ino: file.ino });
      this.recentlyRetired = [...this.recentlyRetired.slice(-31), { dev: file.dev, ino: file.ino }];
      await file.close();
    }
    if (keep.length !== this.rotated.length) {
      this.rotated = keep;
      this.dirty = true;
    }
  }

  /** Every position as it is in memory, for a commit after a change of files (or as a heartbeat). */
  snapshot(): Flush {
    const current = this.current;
    return {
      cursor: current && { dev: current.dev, ino: current.ino, offset: current.offset, checkHash: current.window.hash(), sizeSeen: current.sizeSeen, logPath: this.logPath, lastLineMs: null },
      rotated: this.rotated.map((f) => ({ dev: f.dev, ino: f.ino, offset: f.offset, checkHash: f.window.hash(), sizeSeen: f.sizeSeen, rotatedMs: f.rotatedAtMs ?? Date.now() })),
      retired: this.retiredPending,
      counters: { bad: this.unsavedBad },
      updatedMs: this.confirmedMs,
    };
  }

  /** The snapshot is in SQLite. */
  persisted(): void {
    for (const file of this.all()) file.markCommitted();
    this.retiredPending = [];
    this.unsavedBad = 0;
    this.dirty = false;
  }
}
