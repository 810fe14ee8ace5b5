// Follows nginx's access log into SQLite: each 2xx line counted once, across rotations, truncations and crashes.

import type { FSWatcher } from 'chokidar';
import { pino } from 'pino';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { BadLineLog, type TailLogger } from './bad-line-log.js';
import type { Chunk, FollowedFile } from './followed-file.js';
import { LogFileSet } from './file-set.js';
import { batchLines } from './line-batch.js';
import { CachePathMemo, type LineContext } from './log-line.js';
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

/**
 * A live tailer's own counts of what it did. How far behind it is, is not among them: every view measures
 * that one way, from SQLite and the log on disk (measureTailerLag in lag.ts), whichever process tails.
 */
export interface TailerStats extends Counters {
  readonly batches: number;
  readonly rotations: number;
  readonly truncations: number;
  readonly filesOpen: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Tailer {
  private readonly files: LogFileSet;
  private restored = false;
  private lastWriteMs = 0;
  private lastErrorLogMs = -Infinity;
  private readonly counters = zeroCounters();
  private batches = 0;
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
    this.files = new LogFileSet(options.logPath, this.log);
  }

  /** Starts following; a log that cannot be read yet (missing, no permission) is retried on every poll. */
  async start(): Promise<void> {
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
    await this.files.closeAll();
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
    return {
      ...this.counters,
      batches: this.batches,
      rotations: this.files.rotations,
      truncations: this.files.truncations,
      filesOpen: this.files.all().length,
    };
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        while (!this.stopped && (await this.pass())) await yieldToEventLoop();
      } catch (err) {
        // Nothing moved in memory that is not in SQLite: the next poll re-reads from the committed offsets.
        if (Date.now() - this.lastErrorLogMs >= 60_000) {
          this.lastErrorLogMs = Date.now();
          const hint = (err as NodeJS.ErrnoException).code === 'EACCES' ? ' (the daemon user needs read access to the log: group adm on Debian)' : '';
          this.log.error({ err, logPath: this.options.logPath }, `access log: read pass failed${hint}; retrying on every poll`);
        }
        return;
      }
    } while (this.again && !this.stopped);
  }

  /**
   * Reads each file in bounded reads, with a turn of the event loop between reads (so a backlog never stalls
   * requests; docs/cache-and-log-rules.md#tail-backlog), and commits what it read in one transaction. True when a file may hold more.
   */
  private async pass(): Promise<boolean> {
    if (!this.restored) {
      await this.files.restore(this.options.store);
      this.restored = true;
    }
    await this.files.refresh();
    if (this.files.dirty || Date.now() - this.lastWriteMs >= (this.options.heartbeatMs ?? 5_000)) await this.persist();
    const flush = new PendingFlush();
    const flushBytes = this.options.flushBytes ?? 2 * 1024 * 1024;
    let more = false;
    for (const file of this.files.all()) {
      while (!this.stopped && flush.bytes < flushBytes) {
        const chunk = await file.readChunk(this.readBytes);
        if (chunk.endOffset > file.offset) this.gather(flush, file, chunk);
        file.accept(chunk, Date.now());
        if (chunk.bytesRead < this.readBytes) break;
        more = true;
        await yieldToEventLoop();
      }
    }
    await this.commit(flush);
    await this.files.retireDrained(this.options.rotateGraceMs ?? 10_000);
    if (this.files.dirty) await this.persist();
    return more;
  }

  private gather(flush: PendingFlush, file: FollowedFile, chunk: Chunk): void {
    const batch = batchLines(chunk.text, this.options.context, this.memo);
    batch.counters.bad += chunk.oversizedLines;
    batch.counters.lines += chunk.oversizedLines;
    flush.add(batch, file, chunk.endOffset - file.offset);
    this.badLines.note(batch.counters.bad, batch.badSample ?? (chunk.oversizedLines ? { line: '', reason: 'line too long' } : undefined), Date.now());
  }

  /**
   * Accesses, counters and every moved position in one transaction; on failure the files go back to the last
   * commit. While prune or a command holds the write lock, it waits on a timer, not on the event loop.
   */
  private async commit(flush: PendingFlush): Promise<void> {
    if (flush.files.size === 0) return;
    const files = [...flush.files];
    const current = this.files.current;
    const position = (f: FollowedFile) => ({ dev: f.dev, ino: f.ino, offset: f.offset, checkHash: f.window.hash(), sizeSeen: Math.max(f.sizeSeen, f.offset + f.pending.length) });
    const { store } = this.options;
    try {
      const flushed = {
        accesses: flush.accesses,
        counters: flush.counters,
        cursor: current && flush.files.has(current) ? { ...position(current), logPath: this.options.logPath, lastLineMs: flush.lastLineMs } : undefined,
        rotated: files.filter((f) => f !== current).map((f) => ({ ...position(f), rotatedMs: f.rotatedAtMs ?? Date.now() })),
        updatedMs: this.files.confirmedMs,
      };
      await store.retryWhileLocked(() => commitFlush(store, flushed));
    } catch (err) {
      for (const file of files) file.rollback();
      throw err;
    }
    for (const file of files) file.markCommitted();
    for (const [name, value] of Object.entries(flush.counters)) this.counters[name as keyof Counters] += value;
    this.batches += 1;
    this.lastWriteMs = Date.now();
  }

  /** Writes every position as it is in memory: after a change of files, and as a heartbeat. */
  private async persist(): Promise<void> {
    const { store } = this.options;
    const snapshot = this.files.snapshot();
    await store.retryWhileLocked(() => commitFlush(store, snapshot));
    this.counters.bad += snapshot.counters?.bad ?? 0;
    this.files.persisted();
    this.lastWriteMs = Date.now();
  }
}

/** The daemon's tailer: in nginx mode it follows `access_log`; in standalone mode the daemon records accesses itself. */
export function accessLogTailer(config: Config, store: Store, log?: TailLogger): Tailer | undefined {
  if (config.mode !== 'nginx') return undefined;
  return new Tailer({ store, logPath: config.accessLog, context: config, log });
}
