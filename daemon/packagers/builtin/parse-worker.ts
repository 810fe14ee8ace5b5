// The parse worker thread: parses and plans one source at a time through a descriptor the main thread opened.

import { parentPort, workerData } from 'node:worker_threads';
import { isCasterpakError } from '../../errors.js';
import { fdReader } from '../../source/file-reader.js';
import { parseAndPlan, transferableBuffers } from './parse-and-plan.js';
import type { ParseJob, ParseReply } from './parse-pool.js';
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

parentPort!.on('message', (job: ParseJob) => {
  budget.reset();
  parseAndPlan(fdReader(job.fd, job.sizeBytes, job.relPath), { segmentDurationSec: job.segmentDurationSec, limits: job.limits }).then(
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
