// Lines read since the last commit, merged: one transaction carries many reads (fewer row updates per line).

import type { FollowedFile } from './followed-file.js';
import type { LineBatch } from './line-batch.js';
import { zeroCounters, type AccessTotal, type Counters } from './tail-state.js';

export class PendingFlush {
  readonly accesses = new Map<string, AccessTotal>();
  readonly counters: Counters = zeroCounters();
  /** Files whose consumed position moved: each gets its position written with these accesses. */
  readonly files = new Set<FollowedFile>();
  lastLineMs: number | null = null;
  /** Bytes of complete lines gathered, to bound the transaction. */
  bytes = 0;

  add(batch: LineBatch, file: FollowedFile, bytes: number): void {
    this.files.add(file);
    this.bytes += bytes;
    for (const [name, value] of Object.entries(batch.counters)) this.counters[name as keyof Counters] += value;
    if (batch.lastLineMs !== null && (this.lastLineMs === null || batch.lastLineMs > this.lastLineMs)) this.lastLineMs = batch.lastLineMs;
    for (const [path, total] of batch.accesses) {
      const known = this.accesses.get(path);
      if (!known) {
        this.accesses.set(path, { ...total });
        continue;
      }
      known.hits += total.hits;
      if (total.accessMs > known.accessMs) known.accessMs = total.accessMs;
    }
  }
}
