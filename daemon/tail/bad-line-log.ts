// Bad log lines are counted always and logged at a bounded rate: a flood of garbage must not flood the journal.

import type { Logger } from 'pino';

export type TailLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export class BadLineLog {
  private lastLogMs = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly log: TailLogger,
    private readonly intervalMs = 10_000,
  ) {}

  /** Notes `count` bad lines; logs one sample (and how many went unlogged) at most once per interval. */
  note(count: number, sample: { line: string; reason: string } | undefined, nowMs: number): void {
    if (count === 0) return;
    if (nowMs - this.lastLogMs < this.intervalMs) {
      this.suppressed += count;
      return;
    }
    this.log.warn({ reason: sample?.reason, line: sample?.line, count, suppressedSinceLast: this.suppressed }, 'access log: lines skipped that are not in the casterpak format');
    this.lastLogMs = nowMs;
    this.suppressed = 0;
  }
}
