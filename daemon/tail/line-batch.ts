// A run of log lines → per-file access totals and counters, ready to commit in one transaction (pure).

import { parseLogLine, type CachePathMemo, type LineContext } from './log-line.js';
import { zeroCounters, type AccessTotal, type Counters } from './tail-state.js';

export interface LineBatch {
  readonly accesses: Map<string, AccessTotal>;
  readonly counters: Counters;
  /** The newest `$msec` among the batch's valid lines, or null when none was valid. */
  readonly lastLineMs: number | null;
  /** One bad line and why, to log (bounded by the caller). */
  readonly badSample?: { readonly line: string; readonly reason: string };
}

/**
 * Aggregates newline-separated lines. Repeated requests for one file collapse into one row update (hits summed,
 * latest time kept); misses answered by the daemon move the last access but are not hits.
 */
export function batchLines(text: string, context: LineContext, memo?: CachePathMemo): LineBatch {
  const accesses = new Map<string, AccessTotal>();
  const counters = zeroCounters();
  let lastLineMs: number | null = null;
  let badSample: LineBatch['badSample'];
  if (text === '') return { accesses, counters, lastLineMs };
  for (const line of text.split('\n')) {
    counters.lines += 1;
    const result = parseLogLine(line, context, memo);
    if (result.kind === 'bad') {
      counters.bad += 1;
      badSample ??= { line: line.slice(0, 200), reason: result.reason };
      continue;
    }
    if (result.kind === 'ignored') {
      counters.ignored += 1;
      continue;
    }
    if (lastLineMs === null || result.accessMs > lastLineMs) lastLineMs = result.accessMs;
    if (result.hit) counters.hits += 1;
    else counters.misses += 1;
    const total = accesses.get(result.cachePath);
    if (total) {
      total.hits += result.hit ? 1 : 0;
      if (result.accessMs > total.accessMs) total.accessMs = result.accessMs;
    } else {
      accesses.set(result.cachePath, { hits: result.hit ? 1 : 0, accessMs: result.accessMs });
    }
  }
  return { accesses, counters, lastLineMs, badSample };
}
