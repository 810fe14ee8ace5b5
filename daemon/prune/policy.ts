// What to evict and why (pure): source changes, TTL, then least-recently-used down to the low-water mark.

import { fileGenerationKey, packageGenerationKey } from '../store/generation-keys.js';
import type { CacheFileRow, PackageRow } from '../store/store.js';
import type { SourceState } from './source-check.js';

export type EvictReason = 'source-changed' | 'source-missing' | 'ttl' | 'size-cap' | 'min-free';

export interface PlannedFile {
  readonly path: string;
  readonly bytes: number;
  readonly createdMs: number;
  readonly lastAccessMs: number | null;
  readonly ino: number;
  readonly kind: CacheFileRow['kind'];
}

/** What goes at once: one file (segment packagers regenerate one segment), or a whole package. */
export interface EvictionUnit {
  readonly key: string;
  /** The package row to delete with the files (whole-package units only). */
  readonly pkg?: { readonly id: number; readonly createdMs: number };
  /** Playlists first: a player never gets a playlist whose segments are already gone. */
  readonly files: readonly PlannedFile[];
  /** Newest access (or creation) of any of its files. */
  readonly lastUsedMs: number;
  readonly bytes: number;
  readonly reason: EvictReason;
}

export interface PolicyInput {
  readonly nowMs: number;
  readonly ttlSec: number;
  readonly maxSizeBytes?: number;
  readonly minFreeBytes: number;
  /** Once over a limit, evict down to this fraction of it (nginx's cache manager does the same). */
  readonly lowWater: number;
  /** False while the tailer is behind or stale: last accesses cannot be trusted for TTL (docs/cache-and-log-rules.md#prune-ttl-needs-tailer). */
  readonly ttlAllowed: boolean;
  readonly packages: readonly PackageRow[];
  /** Rows whose files are on disk (after reconciliation), with disk sizes. */
  readonly files: readonly (CacheFileRow & { readonly ino: number })[];
  /** Files just adopted this run: they get a fresh window and are never evicted at once. */
  readonly adopted: ReadonlySet<string>;
  /** Per package id; absent when the media root could not be checked. */
  readonly sources?: ReadonlyMap<number, SourceState>;
  /** Keys in `generations` (store/generation-keys.ts): a file path, or a whole package; never evicted (docs/cache-and-log-rules.md#prune-spares-generations). */
  readonly generating: ReadonlySet<string>;
  /** Free bytes on the cache's filesystem; undefined when unknown. */
  readonly freeBytes?: number;
}

export interface Plan {
  readonly evictions: EvictionUnit[];
  readonly cacheBytes: number;
  readonly bytesAfter: number;
  /** Bytes the size cap or the free-space floor asked for. */
  readonly neededBytes: number;
  readonly skippedGenerating: number;
}

const KIND_ORDER = { master: 0, playlist: 1, segment: 2 } as const;

interface Group {
  key: string;
  pkg?: PackageRow;
  files: (CacheFileRow & { ino: number })[];
  sourceState: SourceState;
}

function groupUnits(input: PolicyInput): Group[] {
  const packages = new Map(input.packages.map((p) => [p.id, p]));
  const groups = new Map<string, Group>();
  for (const file of input.files) {
    const pkg = file.package_id === null ? undefined : packages.get(file.package_id);
    const sourceState = (pkg && input.sources?.get(pkg.id)) ?? 'ok';
    const whole = pkg !== undefined && (pkg.granularity === 'rendition' || sourceState !== 'ok');
    const key = whole ? packageGenerationKey(pkg.source_path) : fileGenerationKey(file.path);
    const group = groups.get(key) ?? { key, pkg: whole ? pkg : undefined, files: [], sourceState: whole ? sourceState : 'ok' };
    group.files.push(file);
    groups.set(key, group);
  }
  // A package whose source is gone is dropped even when none of its files is left.
  for (const pkg of input.packages) {
    const state = input.sources?.get(pkg.id) ?? 'ok';
    const key = packageGenerationKey(pkg.source_path);
    if (state !== 'ok' && !groups.has(key)) groups.set(key, { key, pkg, files: [], sourceState: state });
  }
  return [...groups.values()];
}

function toUnit(group: Group, reason: EvictReason): EvictionUnit {
  const files = [...group.files]
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.path.localeCompare(b.path))
    .map((f) => ({ path: f.path, bytes: f.bytes, createdMs: f.created_ms, lastAccessMs: f.last_access_ms, ino: f.ino, kind: f.kind }));
  return {
    key: group.key,
    pkg: group.pkg && { id: group.pkg.id, createdMs: group.pkg.created_ms },
    files,
    lastUsedMs: group.files.length === 0 ? (group.pkg?.created_ms ?? 0) : group.files.reduce((newest, f) => Math.max(newest, f.last_access_ms ?? f.created_ms), 0),
    bytes: group.files.reduce((sum, f) => sum + f.bytes, 0),
    reason,
  };
}

function isBusy(group: Group, input: PolicyInput): boolean {
  if (group.pkg && input.generating.has(packageGenerationKey(group.pkg.source_path))) return true;
  return group.files.some((f) => input.generating.has(fileGenerationKey(f.path)) || input.adopted.has(f.path));
}

/** Bytes to free: down to lowWater × max_size when over it, and up to min_free / lowWater free when under it. */
function bytesNeeded(input: PolicyInput, cacheBytes: number): { bytes: number; reason: EvictReason } {
  const overCap = input.maxSizeBytes !== undefined && cacheBytes > input.maxSizeBytes ? cacheBytes - Math.floor(input.maxSizeBytes * input.lowWater) : 0;
  const underFree = input.freeBytes !== undefined && input.freeBytes < input.minFreeBytes ? Math.ceil(input.minFreeBytes / input.lowWater) - input.freeBytes : 0;
  return overCap >= underFree ? { bytes: overCap, reason: 'size-cap' } : { bytes: underFree, reason: 'min-free' };
}

export function planEviction(input: PolicyInput): Plan {
  const cacheBytes = input.files.reduce((sum, f) => sum + f.bytes, 0);
  const evictions: EvictionUnit[] = [];
  let skippedGenerating = 0;
  const candidates: EvictionUnit[] = [];
  for (const group of groupUnits(input)) {
    if (isBusy(group, input)) {
      skippedGenerating += 1;
      continue;
    }
    if (group.sourceState !== 'ok') evictions.push(toUnit(group, group.sourceState === 'missing' ? 'source-missing' : 'source-changed'));
    else candidates.push(toUnit(group, 'ttl'));
  }
  const byAge = candidates.sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.key.localeCompare(b.key));
  const ttlCutoffMs = input.nowMs - input.ttlSec * 1000;
  const kept: EvictionUnit[] = [];
  for (const unit of byAge) {
    if (input.ttlAllowed && unit.lastUsedMs < ttlCutoffMs) evictions.push(unit);
    else kept.push(unit);
  }
  // Space: what is left after the first evictions, least recently used first.
  const freedSoFar = evictions.reduce((sum, u) => sum + u.bytes, 0);
  const need = bytesNeeded({ ...input, freeBytes: input.freeBytes === undefined ? undefined : input.freeBytes + freedSoFar }, cacheBytes - freedSoFar);
  let freed = 0;
  for (const unit of kept) {
    if (freed >= need.bytes) break;
    evictions.push({ ...unit, reason: need.reason });
    freed += unit.bytes;
  }
  const evicted = evictions.reduce((sum, u) => sum + u.bytes, 0);
  return { evictions, cacheBytes, bytesAfter: cacheBytes - evicted, neededBytes: need.bytes, skippedGenerating };
}
