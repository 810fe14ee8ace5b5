// How far the access-log tailer is behind nginx: from a live tailer, or measured from SQLite and the log on disk.

import type { Store } from '../store/store.js';
import { measureLag } from '../tail/lag.js';

export interface TailerLag {
  /** Bytes written to the log (and rotated files still being drained) that are not counted yet. */
  readonly bytesBehind: number;
  /** How long the oldest uncounted line has waited; 0 when caught up. */
  readonly secondsBehind: number;
  /** Time since the tailer last committed (it stamps its cursor even when idle); undefined from a live tailer. */
  readonly commitAgeSec?: number;
}

/** Plugs a live tailer in (`async () => tailer.stats()`); resolves to undefined while nothing is tailed. */
export type TailerLagSource = () => Promise<TailerLag | undefined>;

/** The lag as the tailer committed it, from any process; undefined until the tailer has a position in this log. */
export function committedLagSource(store: Store, logPath: string): TailerLagSource {
  return async () => {
    const lag = await measureLag(store, logPath);
    if (!lag.hasCursor) return undefined;
    return { bytesBehind: lag.bytesBehind, secondsBehind: lag.secondsBehind, commitAgeSec: lag.cursorAgeSec };
  };
}
