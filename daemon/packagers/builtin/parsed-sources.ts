// Parsed moovs, IDR marks and plans of recently used sources, in memory, keyed by path + size + mtime.

import type { Movie } from '../../mp4/types.js';
import type { IdrMarks, SegmentPlan } from '../../plan/types.js';
import type { PlannedSource } from './parse-and-plan.js';
import type { SourceFile } from '../../source/resolve.js';
import { BoundedLru, type LruLimits } from './lru.js';

export interface ParsedSource {
  readonly movie: Movie;
  /** IDR classification of the video's sync samples, filled in lazily and shared by every plan. */
  readonly marks: IdrMarks;
  /** Plans by target duration in seconds (one config has one target; tests use several). */
  readonly plans: Map<number, Promise<SegmentPlan>>;
}

/** Bytes per sample of the columnar tables: offsets 8, sizes 4, dts 8, cts 4, durations 4, sync 1, mark 1. */
const BYTES_PER_SAMPLE = 30;

export function estimateWeightBytes(movie: Movie): number {
  const audio = (movie.audioTracks ?? (movie.audio ? [movie.audio] : [])).reduce((sum, track) => sum + track.samples.count, 0);
  return ((movie.video?.samples.count ?? 0) + audio) * BYTES_PER_SAMPLE;
}

/**
 * 32 MiB of sample tables: seven 30-minute 720p titles (about 4 MB each) or two two-hour 60 fps ones.
 * A source that falls out is parsed again on its next miss (about 20 ms for 30 minutes of 720p).
 */
export const DEFAULT_CACHE_LIMITS: LruLimits = { maxEntries: 256, maxWeightBytes: 32 * 1024 * 1024 };

/** A replaced file (other size or mtime) is another entry; the old one ages out. */
export function sourceKey(src: SourceFile): string {
  return `${src.absPath}\u0000${src.sizeBytes}\u0000${src.mtimeMs}`;
}

export class ParsedSources {
  private readonly lru: BoundedLru<Promise<ParsedSource>>;

  constructor(limits: LruLimits = DEFAULT_CACHE_LIMITS) {
    this.lru = new BoundedLru(limits);
  }

  get size(): number {
    return this.lru.size;
  }

  /** One parse per key even under concurrent requests; a failed parse is forgotten so a fixed file is read again. */
  get(src: SourceFile, parse: () => Promise<PlannedSource>): Promise<ParsedSource> {
    const key = sourceKey(src);
    const cached = this.lru.get(key);
    if (cached) return cached;
    const loading = parse().then(
      ({ movie, marks, plan }): ParsedSource => ({ movie, marks, plans: new Map([[plan.segmentDurationSec, Promise.resolve(plan)]]) }),
    );
    this.lru.set(key, loading, 0);
    loading.then(
      (parsed) => {
        if (this.lru.get(key) === loading) this.lru.set(key, loading, estimateWeightBytes(parsed.movie));
      },
      () => {
        if (this.lru.get(key) === loading) this.lru.delete(key);
      },
    );
    return loading;
  }
}
