import { describe, expect, it } from 'vitest';
import { planEviction, type PolicyInput } from '../../daemon/prune/policy.js';
import { packageGenerationKey } from '../../daemon/store/generation-keys.js';
import type { CacheFileRow, PackageRow } from '../../daemon/store/store.js';

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

function pkg(id: number, sourcePath: string, granularity: 'segment' | 'rendition'): PackageRow {
  return { id, source_path: sourcePath, source_size: 1000, source_mtime_ms: 1, packager: granularity === 'segment' ? 'builtin' : 'ffmpeg', granularity, segment_count: null, created_ms: NOW - 100 * HOUR };
}

function file(path: string, options: { packageId?: number | null; bytes?: number; createdAgoH?: number; accessedAgoH?: number | null }): CacheFileRow & { ino: number } {
  const kind = path.endsWith('master.m3u8') ? 'master' : path.endsWith('.m3u8') ? 'playlist' : 'segment';
  return {
    path,
    package_id: options.packageId ?? null,
    kind,
    bytes: options.bytes ?? 4096,
    created_ms: NOW - (options.createdAgoH ?? 50) * HOUR,
    last_access_ms: options.accessedAgoH === undefined || options.accessedAgoH === null ? null : NOW - options.accessedAgoH * HOUR,
    hits: 0,
    ino: path.length,
  };
}

function input(overrides: Partial<PolicyInput>): PolicyInput {
  return { nowMs: NOW, ttlSec: 24 * 3600, minFreeBytes: 0, lowWater: 0.9, ttlAllowed: true, packages: [], files: [], adopted: new Set(), generating: new Set(), ...overrides };
}

const paths = (plan: ReturnType<typeof planEviction>) => plan.evictions.flatMap((u) => u.files.map((f) => f.path));

describe('eviction policy', () => {
  it('evicts by TTL on the last access, or on the creation time when never accessed', () => {
    const plan = planEviction(input({
      files: [
        file('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 }),
        file('i/a.mp4/segment2_0_av.ts', { accessedAgoH: 2 }),
        file('i/a.mp4/segment3_0_av.ts', { createdAgoH: 25, accessedAgoH: null }),
        file('i/a.mp4/segment4_0_av.ts', { createdAgoH: 3, accessedAgoH: null }),
      ],
    }));
    expect(paths(plan)).toEqual(['i/a.mp4/segment1_0_av.ts', 'i/a.mp4/segment3_0_av.ts']);
    expect(plan.evictions.every((u) => u.reason === 'ttl')).toBe(true);
  });

  it('applies no TTL while accesses cannot be trusted, but still honours the size cap', () => {
    const files = [file('i/a.ts', { accessedAgoH: 40, bytes: 1000 }), file('i/b.ts', { accessedAgoH: 30, bytes: 1000 })];
    expect(planEviction(input({ files, ttlAllowed: false })).evictions).toEqual([]);
    const capped = planEviction(input({ files, ttlAllowed: false, maxSizeBytes: 1500 }));
    expect(paths(capped)).toEqual(['i/a.ts']);
    expect(capped.evictions[0].reason).toBe('size-cap');
  });

  it('evicts least recently used first, down to the low-water mark of the size cap', () => {
    const files = [5, 1, 4, 2, 3].map((ageH) => file(`i/x.mp4/segment${ageH}_0_av.ts`, { accessedAgoH: ageH, bytes: 1000 }));
    // 5000 bytes, cap 4000, low water 0.75 → down to 3000: the two least recently used go, oldest first.
    const plan = planEviction(input({ files, maxSizeBytes: 4000, lowWater: 0.75 }));
    expect(paths(plan)).toEqual(['i/x.mp4/segment5_0_av.ts', 'i/x.mp4/segment4_0_av.ts']);
    expect(plan.bytesAfter).toBe(3000);
    expect(planEviction(input({ files, maxSizeBytes: 5000 })).evictions).toEqual([]);
  });

  it('frees space up to min_free divided by the low-water mark when the disk is short', () => {
    const files = [1, 2, 3, 4].map((ageH) => file(`i/f${ageH}.ts`, { accessedAgoH: ageH, bytes: 1000 }));
    const plan = planEviction(input({ files, freeBytes: 500, minFreeBytes: 2000, lowWater: 0.8 }));
    // Needs 2000 / 0.8 - 500 = 2000 bytes: the two oldest.
    expect(paths(plan)).toEqual(['i/f4.ts', 'i/f3.ts']);
    expect(plan.evictions.every((u) => u.reason === 'min-free')).toBe(true);
  });

  it('evicts a whole-rendition package as one unit, playlist first, on its newest access', () => {
    const packages = [pkg(1, 'old.mp4', 'rendition'), pkg(2, 'busy.mp4', 'rendition')];
    const files = [
      file('i/old.mp4/segment1_0_av.ts', { packageId: 1, accessedAgoH: 40 }),
      file('i/old.mp4/index_0_av.m3u8', { packageId: 1, accessedAgoH: 30 }),
      file('i/busy.mp4/segment1_0_av.ts', { packageId: 2, accessedAgoH: 40 }),
      file('i/busy.mp4/index_0_av.m3u8', { packageId: 2, accessedAgoH: 1 }),
    ];
    const plan = planEviction(input({ packages, files }));
    expect(plan.evictions).toHaveLength(1);
    expect(plan.evictions[0]).toMatchObject({ key: packageGenerationKey('old.mp4'), pkg: { id: 1 }, reason: 'ttl', bytes: 8192 });
    expect(paths(plan)).toEqual(['i/old.mp4/index_0_av.m3u8', 'i/old.mp4/segment1_0_av.ts']);
  });

  it('evicts single files of a segment package', () => {
    const files = [file('i/s.mp4/segment1_0_av.ts', { packageId: 1, accessedAgoH: 40 }), file('i/s.mp4/index_0_av.m3u8', { packageId: 1, accessedAgoH: 1 })];
    const plan = planEviction(input({ packages: [pkg(1, 's.mp4', 'segment')], files }));
    expect(plan.evictions.map((u) => u.key)).toEqual(['i/s.mp4/segment1_0_av.ts']);
    expect(plan.evictions[0].pkg).toBeUndefined();
  });

  it('never touches what is being generated, nor a file adopted in this run', () => {
    const packages = [pkg(1, 'r.mp4', 'rendition')];
    const files = [
      file('i/r.mp4/segment1_0_av.ts', { packageId: 1, accessedAgoH: 40 }),
      file('i/s.ts', { accessedAgoH: 40 }),
      file('i/adopted.ts', { createdAgoH: 0, accessedAgoH: null }),
    ];
    const plan = planEviction(input({ packages, files, ttlSec: 0, generating: new Set([packageGenerationKey('r.mp4'), 'i/s.ts']), adopted: new Set(['i/adopted.ts']) }));
    expect(plan.evictions).toEqual([]);
    expect(plan.skippedGenerating).toBe(3);
  });

  it('evicts every file of a package whose source changed or vanished, whatever its age', () => {
    const packages = [pkg(1, 'changed.mp4', 'segment'), pkg(2, 'gone.mp4', 'rendition'), pkg(3, 'empty.mp4', 'rendition'), pkg(4, 'fine.mp4', 'segment')];
    const files = [
      file('i/changed.mp4/segment1_0_av.ts', { packageId: 1, accessedAgoH: 0 }),
      file('i/changed.mp4/segment2_0_av.ts', { packageId: 1, accessedAgoH: 0 }),
      file('i/gone.mp4/index_0_av.m3u8', { packageId: 2, accessedAgoH: 0 }),
      file('i/fine.mp4/segment1_0_av.ts', { packageId: 4, accessedAgoH: 0 }),
    ];
    const sources = new Map([[1, 'changed'], [2, 'missing'], [3, 'missing'], [4, 'ok']] as const);
    const plan = planEviction(input({ packages, files, sources }));
    expect(plan.evictions.map((u) => [u.key, u.reason, u.files.length])).toEqual([
      [packageGenerationKey('changed.mp4'), 'source-changed', 2],
      [packageGenerationKey('gone.mp4'), 'source-missing', 1],
      [packageGenerationKey('empty.mp4'), 'source-missing', 0],
    ]);
  });
});
