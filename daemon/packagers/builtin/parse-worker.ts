// The parse worker thread: parses and plans one source at a time through a descriptor the main thread opened.

import { parentPort, workerData } from 'node:worker_threads';
import { CasterpakError, isCasterpakError } from '../../errors.js';
import type { RangeReader } from '../../mp4/types.js';
import { fdReader } from '../../source/file-reader.js';
import { parseAndPlan, transferableBuffers } from './parse-and-plan.js';
import type { ParseJob, ParseReply, ReadAnswer, ReadRequest } from './parse-pool.js';
import { BudgetExceeded, installTypedArrayBudget } from './typed-array-budget.js';

const budget = installTypedArrayBudget((workerData as { tableBudgetBytes: number }).tableBudgetBytes);

/** Out of memory in any form this thread can still see (the heap limit itself ends the thread instead). */
function isExhaustion(err: unknown): boolean {
  return err instanceof BudgetExceeded || (err instanceof RangeError && /call stack|allocation failed/i.test(err.message));
}

function replyFor(err: unknown): ParseReply {
  if (isExhaustion(err)) return { ok: false, resources: true, message: (err as Error).message };
  if (isCasterpakError(err)) return { ok: false, resources: false, code: err.code, message: err.message, details: err.details };
  return { ok: false, resources: false, message: err instanceof Error ? err.message : String(err) };
}

/** Reads asked of the main thread (a remote source has no descriptor), by request id. */
const waiting = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (err: unknown) => void }>();
let nextReadId = 0;

function mainThreadReader(sizeBytes: number): RangeReader {
  return {
    sizeBytes,
    read(offset, length) {
      const id = nextReadId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        parentPort!.postMessage({ read: { id, offset, length } } satisfies ReadRequest);
      });
    },
  };
}

function settleRead(answer: ReadAnswer): void {
  const pending = waiting.get(answer.readId);
  waiting.delete(answer.readId);
  if (!pending) return;
  if ('bytes' in answer) pending.resolve(answer.bytes);
  else pending.reject(new CasterpakError(answer.error.code ?? 'PACKAGER_FAILED', answer.error.message, answer.error.details ?? {}));
}

parentPort!.on('message', (message: ParseJob | ReadAnswer) => {
  if ('readId' in message) return settleRead(message);
  const job = message;
  budget.reset();
  const reader = job.fd === undefined ? mainThreadReader(job.sizeBytes) : fdReader(job.fd, job.sizeBytes, job.relPath);
  parseAndPlan(reader, { segmentDurationSec: job.segmentDurationSec, limits: job.limits }).then(
    (result) => parentPort!.postMessage({ ok: true, result } satisfies ParseReply, transferableBuffers(result)),
    (err: unknown) => {
      const reply = replyFor(err);
      try {
        parentPort!.postMessage(reply);
      } catch {
        // Details that cannot be cloned are only for the log: the code and message still go back.
        parentPort!.postMessage({ ...reply, details: undefined });
      }
    },
  );
});
