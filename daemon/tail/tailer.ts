// Follows nginx's access log into SQLite: each 2xx line counted once, across rotations, truncations and crashes.

import { stat } from 'node:fs/promises';
import type { FSWatcher } from 'chokidar';
import { pino } from 'pino';
import type { Store } from '../store/store.js';
import { BadLineLog, type TailLogger } from './bad-line-log.js';
import { FollowedFile, type Chunk } from './followed-file.js';
import { batchLines } from './line-batch.js';
import { CachePathMemo, type LineContext } from './log-line.js';
import { findUnread, listChain, locate, UNREAD_SLACK_MS } from './log-chain.js';
import { restoreFiles } from './restore.js';
import { PendingFlush } from './pending-flush.js';
import { commitFlush, zeroCounters, type Counters } from './tail-state.js';
import { watchLogDirectory } from './watch.js';

export interface TailerOptions {
  readonly store: Store;
  /** config `access_log`. */
  readonly logPath: string;
  readonly context: LineContext;
  readonly log?: TailLogger;
  /** The timer poll: reads happen at least this often whatever the watcher says. */
  readonly pollIntervalMs?: number;
  /** How long a rotated file keeps being read after its last new line (nginx workers reopen "almost immediately"). */
  readonly rotateGraceMs?: number;
  /** Bytes per read; the event loop gets a turn between reads. */
  readonly readBytes?: number;
  /** Bytes of lines per transaction (several reads): fewer row updates per line on a backlog. */
  readonly flushBytes?: number;
  /** How often an idle tailer still stamps its cursor, so `status` and `prune` can tell it is alive. */
  readonly heartbeatMs?: number;
  /** Watch the directory with chokidar for prompt wake-ups (the poll alone also works). */
  readonly watch?: boolean;
}

export interface TailerStats extends Counters {
  readonly batches: number;
  readonly rotations: number;
  readonly truncations: number;
  /** Bytes written to the log(s) and not yet counted. */
  readonly bytesBehind: number;
  /** How old the lines being read are while behind; 0 when caught up. */
  readonly secondsBehind: number;
  readonly lastLineMs: number | null;
  readonly filesOpen: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Tailer {
  private current: FollowedFile | undefined;
  private rotated: FollowedFile[] = [];
  private retiredPending: { dev: number; ino: number }[] = [];
  /** Files read to the end lately: never mistaken for an unread rotation. */
  private recentlyRetired: { dev: number; ino: number }[] = [];
  /** Bad lines noticed outside a batch (a partial line left in a retired file), for the next commit. */
  private unsavedBad = 0;
  /** When a stat last showed `current` at the log path; committed as the cursor's updated_ms. */
  private confirmedMs = 0;
  private lastWriteMs = 0;
  private lastLineMs: number | null = null;
  private lagSec = 0;
  private dirty = false;
  private readonly counters = zeroCounters();
  private batches = 0;
  private rotations = 0;
  private truncations = 0;
  private loop: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly readBytes: number;
  private readonly memo: CachePathMemo;
  private readonly log: TailLogger;
  private readonly badLines: BadLineLog;

  constructor(private readonly options: TailerOptions) {
    this.log = options.log ?? pino({ level: 'silent' });
    this.badLines = new BadLineLog(this.log);
    this.readBytes = options.readBytes ?? 256 * 1024;
    this.memo = new CachePathMemo(options.context.urlPrefix);
  }

  async start(): Promise<void> {
    const restored = await restoreFiles(this.options.store, this.options.logPath, this.log);
    this.current = restored.current;
    this.rotated = restored.rotated;
    this.confirmedMs = Date.now();
    this.dirty = true;
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 500);
    this.timer.unref();
    if (this.options.watch ?? true) this.watcher = await watchLogDirectory(this.options.logPath, () => this.wake(), this.log);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.watcher?.close();
    await this.loop;
    for (const file of this.files()) await file.close();
    this.current = undefined;
    this.rotated = [];
  }

  /** Asks for a read pass now (a hint from the watcher, the timer, or a test). */
  wake(): void {
    if (this.stopped) return;
    if (this.loop) {
      this.again = true;
      return;
    }
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Resolves once a pass has found nothing more to read. */
  async catchUp(): Promise<void> {
    this.wake();
    while (this.loop) await this.loop;
  }

  stats(): TailerStats {
    const bytesBehind = this.files().reduce((sum, f) => sum + f.bytesBehind(), 0);
    return {
      ...this.counters,
      batches: this.batches,
      rotations: this.rotations,
      truncations: this.truncations,
      bytesBehind,
      secondsBehind: bytesBehind > 0 ? this.lagSec : 0,
      lastLineMs: this.lastLineMs,
      filesOpen: this.files().length,
    };
  }

  private files(): FollowedFile[] {
    return this.current ? [...this.rotated, this.current] : [...this.rotated];
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.pass())) await yieldToEventLoop();
      } catch (err) {
        // Nothing moved in memory that is not in SQLite: the next poll re-reads from the committed offsets.
        this.log.error({ err }, 'access log: read pass failed; retrying on the next poll');
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * Reads each file in bounded reads, with a turn of the event loop between reads (reliability rule 8), and
   * commits what it read in one transaction. True when a file may hold more.
   */
  private async pass(): Promise<boolean> {
    await this.refresh();
    if (this.dirty || Date.now() - this.lastWriteMs >= (this.options.heartbeatMs ?? 5_000)) this.persist();
    const flush = new PendingFlush();
    const flushBytes = this.options.flushBytes ?? 2 * 1024 * 1024;
    let more = false;
    for (const file of this.files()) {
      while (!this.stopped && flush.bytes < flushBytes) {
        const chunk = await file.readChunk(this.readBytes);
        if (chunk.endOffset > file.offset) this.gather(flush, file, chunk);
        file.accept(chunk, Date.now());
        if (chunk.bytesRead < this.readBytes) break;
        more = true;
        await yieldToEventLoop();
      }
    }
    this.commit(flush);
    await this.retireDrained();
    const bytesBehind = this.files().reduce((sum, f) => sum + f.bytesBehind(), 0);
    if (bytesBehind > 0 && this.lastLineMs !== null) this.lagSec = Math.max(0, (Date.now() - this.lastLineMs) / 1000);
    return more;
  }

  private gather(flush: PendingFlush, file: FollowedFile, chunk: Chunk): void {
    const batch = batchLines(chunk.text, this.options.context, this.memo);
    batch.counters.bad += chunk.oversizedLines;
    flush.add(batch, file, chunk.endOffset - file.offset);
    this.badLines.note(batch.counters.bad, batch.badSample ?? (chunk.oversizedLines ? { line: '', reason: 'line too long' } : undefined), Date.now());
  }

  /** Accesses, counters and every moved position in one transaction; on failure the files go back to the last commit. */
  private commit(flush: PendingFlush): void {
    if (flush.files.size === 0) return;
    const files = [...flush.files];
    const position = (f: FollowedFile) => ({ dev: f.dev, ino: f.ino, offset: f.offset, checkHash: f.window.hash(), sizeSeen: Math.max(f.sizeSeen, f.offset + f.pending.length) });
    try {
      commitFlush(this.options.store, {
        accesses: flush.accesses,
        counters: flush.counters,
        cursor: this.current && flush.files.has(this.current) ? { ...position(this.current), logPath: this.options.logPath, lastLineMs: flush.lastLineMs } : undefined,
        rotated: files.filter((f) => f !== this.current).map((f) => ({ ...position(f), rotatedMs: f.rotatedAtMs ?? Date.now() })),
        updatedMs: this.confirmedMs,
      });
    } catch (err) {
      for (const file of files) file.rollback();
      throw err;
    }
    for (const file of files) file.markCommitted();
    for (const [name, value] of Object.entries(flush.counters)) this.counters[name as keyof Counters] += value;
    if (flush.lastLineMs !== null && (this.lastLineMs === null || flush.lastLineMs > this.lastLineMs)) this.lastLineMs = flush.lastLineMs;
    this.batches += 1;
    this.lastWriteMs = Date.now();
  }

  /** Compares the log path with the file being read: rename rotation, truncation, or a log that appeared. */
  private async refresh(): Promise<void> {
    const before = Date.now();
    const st = await stat(this.options.logPath).catch(() => undefined);
    for (const file of this.rotated) await file.size();
    if (!st) return; // renamed away and not created again yet: keep reading the descriptor we hold
    if (!this.current) {
      this.current = await FollowedFile.open(this.options.logPath);
      this.dirty = true;
    } else if (!this.current.sameIdentity(st)) {
      await this.onRotation();
      return;
    } else if (!(await this.current.unchanged())) {
      await this.onTruncation();
    }
    this.confirmedMs = before;
  }

  /** Rename rotation (reliability rule 2): the old descriptor is drained, and kept for late writes. */
  private async onRotation(): Promise<void> {
    const old = this.current!;
    old.rotatedAtMs = Date.now();
    this.rotated.push(old);
    const openedMs = Date.now();
    const fresh = await FollowedFile.open(this.options.logPath);
    const known = [...this.rotated, ...(fresh ? [fresh] : []), ...this.recentlyRetired];
    // Two rotations between two looks: the middle file was never at the path when we looked.
    const unread = await findUnread(await listChain(this.options.logPath), this.confirmedMs - UNREAD_SLACK_MS, known);
    for (const file of unread) file.rotatedAtMs = old.rotatedAtMs;
    this.rotated.push(...unread);
    this.current = fresh;
    if (fresh) this.confirmedMs = openedMs;
    this.rotations += 1;
    this.dirty = true;
    this.log.info({ logPath: this.options.logPath, oldIno: old.ino, newIno: fresh?.ino, unreadRotations: unread.length }, 'access log: rotated; draining the old file');
  }

  /** copytruncate (reliability rule 3): read on from the copy if there is one, and the log again from 0. */
  private async onTruncation(): Promise<void> {
    const current = this.current!;
    const position = { dev: -1, ino: -1, offset: current.offset, checkHash: current.window.hash() };
    const copy = await locate(await listChain(this.options.logPath), position, this.files());
    if (copy) {
      copy.rotatedAtMs = Date.now();
      this.rotated.push(copy);
    }
    current.restartFromZero();
    this.truncations += 1;
    this.dirty = true;
    this.log.info({ logPath: this.options.logPath, copyFound: Boolean(copy) }, 'access log: truncated; reading it again from the start');
  }

  /** Writes every position as it is in memory: after a rotation, a truncation, and as a heartbeat. */
  private persist(): void {
    const current = this.current;
    commitFlush(this.options.store, {
      cursor: current && { dev: current.dev, ino: current.ino, offset: current.offset, checkHash: current.window.hash(), sizeSeen: current.sizeSeen, logPath: this.options.logPath, lastLineMs: null },
      rotated: this.rotated.map((f) => ({ dev: f.dev, ino: f.ino, offset: f.offset, checkHash: f.window.hash(), sizeSeen: f.sizeSeen, rotatedMs: f.rotatedAtMs ?? Date.now() })),
      retired: this.retiredPending,
      counters: { bad: this.unsavedBad },
      updatedMs: this.confirmedMs,
    });
    for (const file of this.files()) file.markCommitted();
    this.retiredPending = [];
    this.unsavedBad = 0;
    this.dirty = false;
    this.lastWriteMs = Date.now();
  }

  /** Closes rotated files that are read to the end and quiet for the grace period; never an undrained one. */
  private async retireDrained(): Promise<void> {
    const graceMs = this.options.rotateGraceMs ?? 10_000;
    const nowMs = Date.now();
    const keep: FollowedFile[] = [];
    for (const file of this.rotated) {
      const quietSinceMs = Math.max(file.rotatedAtMs ?? nowMs, file.lastDataMs);
      if ((await file.size()) > file.offset + file.pending.length || nowMs - quietSinceMs < graceMs) {
        keep.push(file);
        continue;
      }
      // A line cut short when the file stopped growing can never be completed.
      if (file.pending.length > 0) {
        this.counters.bad += 1;
        this.unsavedBad += 1;
      }
      this.retiredPending.push({ dev: file.dev, ino: file.ino });
      this.recentlyRetired = [...this.recentlyRetired.slice(-31), { dev: file.dev, ino: file.ino }];
      await file.close();
    }
    if (keep.length !== this.rotated.length) {
      this.rotated = keep;
      this.dirty = true;
    }
  }
}
