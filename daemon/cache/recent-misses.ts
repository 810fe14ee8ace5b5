// The last packaging runs, kept in memory for the status page: a fixed-size ring, newest first when read.

import type { PackagerName } from '../config.js';

/** One packaging run started by a miss. */
export interface MissRecord {
  /** When the run ended (epoch ms). */
  readonly atMs: number;
  /** The cache path that was asked for, e.g. `i/clip.mp4/segment3_0_av.ts`. */
  readonly cachePath: string;
  /** The source below media_root. */
  readonly sourceRel: string;
  readonly packager: PackagerName;
  readonly durationMs: number;
  /** Files published and their on-disk bytes (a whole-rendition run publishes every segment). */
  readonly files: number;
  readonly bytes: number;
  /** `ok`, or the error code that ended the run. */
  readonly outcome: string;
}

export const RECENT_MISSES_KEPT = 50;

export class RecentMisses {
  private readonly ring: MissRecord[] = [];
  private next = 0;

  constructor(private readonly capacity = RECENT_MISSES_KEPT) {}

  add(record: MissRecord): void {
    if (this.ring.length < this.capacity) this.ring.push(record);
    else this.ring[this.next] = record;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Newest first. */
  list(): MissRecord[] {
    const oldestFirst = this.ring.length < this.capacity ? this.ring : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return [...oldestFirst].reverse();
  }
}
