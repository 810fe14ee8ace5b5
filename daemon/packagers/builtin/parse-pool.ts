// A few worker threads that parse moovs and plan segments, bounded in memory and time, reused between sources.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CasterpakError, isCasterpakError, type ErrorCode } from '../../errors.js';
import type { RangeReader } from '../../mp4/types.js';
import { packageRoot } from '../../package-root.js';
import type { SourceLimits } from '../../source-limits.js';
import type { PlannedSource } from './parse-and-plan.js';

export interface ParseJob {
  /**
   * A descriptor of the opened local source; descriptors belong to the process, so the worker reads it
   * directly. Without one (a remote object) the worker asks this thread for each range it reads.
   */
  readonly fd?: number;
  readonly sizeBytes: number;
  readonly relPath: string;
  readonly segmentDurationSec: number;
  readonly limits: SourceLimits;
}

/** A worker's request for bytes of a source without a descriptor, and this thread's answer. */
export interface ReadRequest {
  readonly read: { readonly id: number; readonly offset: number; readonly length: number };
}
export type ReadAnswer =
  | { readonly readId: number; readonly bytes: Uint8Array }
  | { readonly readId: number; readonly error: { readonly code?: ErrorCode; readonly message: string; readonly details?: Record<string, unknown> } };

export type ParseReply =
  | { readonly ok: true; readonly result: PlannedSource }
  | { readonly ok: false; readonly resources: boolean; readonly code?: ErrorCode; readonly message: string; readonly details?: Record<string, unknown> };

export interface ParsePoolOptions {
  /** Workers (config `max_concurrent_packaging`): more parses than this wait for one to finish. */
  readonly size: number;
  /** Each worker's JavaScript heap, and separately the typed arrays of one parse, stay under this (config `parse_memory_limit`). */
  readonly memoryLimitBytes: number;
  /** A parse running longer is stopped by ending its worker (config `packaging_timeout`). */
  readonly timeoutSec: number;
  /**
   * A worker idle this long is ended (default 30 s): most sources are parsed on the event loop, so the
   * workers serve only the large or unusual ones, and an idle one holds 10-20 MB of memory.
   */
  readonly idleSec?: number;
}

export const DEFAULT_PARSE_POOL: ParsePoolOptions = { size: 2, memoryLimitBytes: 512 * 1024 * 1024, timeoutSec: 120 };
const DEFAULT_IDLE_SEC = 30;

/**
 * The compiled worker next to this file; when the sources run untranspiled (tests), the build's copy
 * in dist/, since a worker thread cannot load TypeScript.
 */
function workerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'parse-worker.js');
  return existsSync(sibling) ? sibling : path.join(packageRoot(), 'dist', 'daemon', 'packagers', 'builtin', 'parse-worker.js');
}

interface Pending {
  readonly job: ParseJob;
  /** Serves the worker's reads when the job has no descriptor. */
  readonly reader?: RangeReader;
  readonly resolve: (result: PlannedSource) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot {
  worker?: Worker;
  busy: boolean;
  /** Ends the worker once it has been idle for idleSec. */
  idleTimer?: NodeJS.Timeout;
}

export interface ParsePoolStats {
  /** Workers started, the first ones included. */
  started: number;
  /** Workers ended by a timeout or lost to memory exhaustion (each is replaced). */
  replaced: number;
}

export class ParsePool {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private closed = false;
  readonly stats: ParsePoolStats = { started: 0, replaced: 0 };

  constructor(private readonly options: ParsePoolOptions = DEFAULT_PARSE_POOL) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => ({ busy: false }));
  }

  /** Parses and plans one source in a worker; rejects with the parser's error, PARSE_RESOURCES or PACKAGER_TIMEOUT. */
  run(job: ParseJob, reader?: RangeReader): Promise<PlannedSource> {
    if (this.closed) return Promise.reject(new CasterpakError('PACKAGER_UNAVAILABLE', 'the parse workers are shut down', {}));
    if (job.fd === undefined && !reader) return Promise.reject(new CasterpakError('PACKAGER_FAILED', `no way to read ${job.relPath}`, {}));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, reader, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts every worker now, so the first requests after start-up do not wait for a thread to boot. */
  warm(): void {
    for (const slot of this.slots) {
      if (this.closed || slot.worker) continue;
      slot.worker = this.spawn();
      this.retireWhenIdle(slot);
    }
  }

  /** Ends every worker (daemon shutdown, tests). */
  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) clearTimeout(slot.idleTimer);
    for (const pending of this.queue.splice(0)) pending.reject(new CasterpakError('PACKAGER_UNAVAILABLE', 'the parse workers are shut down', {}));
    await Promise.all(this.slots.map((slot) => slot.worker?.terminate()));
    for (const slot of this.slots) slot.worker = undefined;
  }

  /** Thread ids of the live workers (tests check that a stopped one was replaced). */
  workerIds(): number[] {
    return this.slots.flatMap((slot) => (slot.worker ? [slot.worker.threadId] : []));
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.busy) this.start(slot, this.queue.shift()!);
    }
  }

  private spawn(): Worker {
    const mib = Math.max(16, Math.floor(this.options.memoryLimitBytes / (1024 * 1024)));
    const worker = new Worker(workerScript(), {
      workerData: { tableBudgetBytes: this.options.memoryLimitBytes },
      resourceLimits: { maxOldGenerationSizeMb: mib, maxYoungGenerationSizeMb: Math.max(4, Math.min(16, Math.floor(mib / 16))), stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    this.stats.started += 1;
    // An idle worker does not keep the process alive (CLI commands exit when their work is done).
    worker.unref();
    // A job listens for its own worker's failure; between jobs, a failure must neither go unheard
    // (an unheard 'error' would end the daemon) nor leave a dead worker in its slot.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      for (const slot of this.slots) if (slot.worker === worker && !slot.busy) slot.worker = undefined;
    });
    return worker;
  }

  /** Ends the slot's worker if it is still idle after idleSec (a worker is started again on demand). */
  private retireWhenIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    const worker = slot.worker;
    if (!worker) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.busy || slot.worker !== worker) return;
      slot.worker = undefined;
      void worker.terminate();
    }, (this.options.idleSec ?? DEFAULT_IDLE_SEC) * 1000);
    slot.idleTimer.unref();
  }

  private start(slot: Slot, pending: Pending): void {
    clearTimeout(slot.idleTimer);
    slot.busy = true;
    const worker = (slot.worker ??= this.spawn());
    worker.ref();
    let settled = false;
    const finish = (outcome: { result?: PlannedSource; error?: unknown }, workerLost: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (workerLost) {
        this.stats.replaced += 1;
        if (slot.worker === worker) slot.worker = undefined;
        void worker.terminate();
      } else {
        worker.unref();
      }
      slot.busy = false;
      if (outcome.error !== undefined) pending.reject(outcome.error);
      else pending.resolve(outcome.result!);
      // A lost worker is replaced on demand, by the next parse that needs this slot.
      this.retireWhenIdle(slot);
      this.dispatch();
    };
    const onMessage = (reply: ParseReply | ReadRequest) => {
      if ('read' in reply) return serveRead(worker, pending.reader, reply.read);
      return reply.ok ? finish({ result: reply.result }, false) : finish({ error: this.errorOf(reply, pending.job) }, reply.resources);
    };
    const onError = (err: Error & { code?: string }) => finish({ error: this.lostWorkerError(err, pending.job) }, true);
    const onExit = (exitCode: number) => finish({ error: new CasterpakError('PARSE_RESOURCES', `the parse worker for ${pending.job.relPath} stopped (exit code ${exitCode})`, { exitCode }) }, true);
    const timer = setTimeout(() => {
      finish({ error: new CasterpakError('PACKAGER_TIMEOUT', `parsing ${pending.job.relPath} took longer than ${this.options.timeoutSec}s`, { relPath: pending.job.relPath }) }, true);
    }, this.options.timeoutSec * 1000);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(pending.job);
  }

  private errorOf(reply: Extract<ParseReply, { ok: false }>, job: ParseJob): CasterpakError {
    if (reply.resources) return this.resourcesError(job, reply.message);
    return new CasterpakError(reply.code ?? 'PACKAGER_FAILED', reply.message, { ...reply.details, relPath: job.relPath });
  }

  private lostWorkerError(err: Error & { code?: string }, job: ParseJob): CasterpakError {
    if (err.code === 'ERR_WORKER_OUT_OF_MEMORY' || err instanceof RangeError) return this.resourcesError(job, err.message);
    return new CasterpakError('PACKAGER_FAILED', `the parse worker failed on ${job.relPath}: ${err.message}`, { relPath: job.relPath });
  }

  private resourcesError(job: ParseJob, reason: string): CasterpakError {
    const mib = Math.round(this.options.memoryLimitBytes / (1024 * 1024));
    return new CasterpakError('PARSE_RESOURCES', `parsing ${job.relPath} needs more memory than parse_memory_limit (${mib} MiB) allows`, { relPath: job.relPath, reason });
  }
}

/** Reads a range for a worker and posts the bytes (moved, not copied) or the error back to it. */
function serveRead(worker: Worker, reader: RangeReader | undefined, request: ReadRequest['read']): void {
  const answer = (message: ReadAnswer, transfer: ArrayBuffer[] = []) => {
    try {
      worker.postMessage(message, transfer);
    } catch {
      // the worker is gone (timed out, replaced): nobody waits for these bytes
    }
  };
  if (!reader) return answer({ readId: request.id, error: { message: 'no reader for this source' } });
  reader.read(request.offset, request.length).then(
    (bytes) => {
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
      answer({ readId: request.id, bytes: own }, [own.buffer as ArrayBuffer]);
    },
    (err: unknown) => {
      const error = isCasterpakError(err) ? { code: err.code, message: err.message, details: err.details } : { message: err instanceof Error ? err.message : String(err) };
      answer({ readId: request.id, error });
    },
  );
}
