// A small LRU map bounded by entry count and by an estimated weight in bytes.

export interface LruLimits {
  readonly maxEntries: number;
  readonly maxWeightBytes: number;
}

export class BoundedLru<V> {
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, { value: V; weightBytes: number }>();
  private totalWeightBytes = 0;

  constructor(private readonly limits: LruLimits) {}

  get size(): number {
    return this.entries.size;
  }

  get weightBytes(): number {
    return this.totalWeightBytes;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, weightBytes: number): void {
    this.delete(key);
    this.entries.set(key, { value, weightBytes });
    this.totalWeightBytes += weightBytes;
    this.evict(key);
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeightBytes -= entry.weightBytes;
  }

  /** Drops least recently used entries until within limits, never the one just set. */
  private evict(keep: string): void {
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries && this.totalWeightBytes <= this.limits.maxWeightBytes) return;
      if (key !== keep) this.delete(key);
    }
  }
}
