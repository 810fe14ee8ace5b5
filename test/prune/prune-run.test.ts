import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { accessLine } from '../helpers/access-log.js';
import { HOUR_MS, pruneFixture, requireFourKiBBlocks } from './prune-fixture.js';

describe('prune on a real cache and database', () => {
  it('deletes files and rows not accessed within the TTL, and keeps the rest', async (ctx) => {
    const f = pruneFixture({ prune: { ttl: '24h' } });
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    f.addFile('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    f.addFile('i/a.mp4/segment2_0_av.ts', { accessedAgoH: 2 });
    f.addFile('i/b.mp4/segment1_0_av.ts', { createdAgoH: 48, accessedAgoH: null });
    f.addFile('i/b.mp4/segment2_0_av.ts', { createdAgoH: 1, accessedAgoH: null });
    const report = await runPrune(f.config, {}, f.store);
    expect(report.evicted.files.map((e) => [e.path, e.reason])).toEqual([
      ['i/b.mp4/segment1_0_av.ts', 'ttl'],
      ['i/a.mp4/segment1_0_av.ts', 'ttl'],
    ]);
    expect(f.diskFiles()).toEqual(['i/a.mp4/segment2_0_av.ts', 'i/b.mp4/segment2_0_av.ts']);
    expect(f.rowPaths()).toEqual(f.diskFiles());
    expect(report.evicted.bytes).toBe(2 * 4096);
  });

  it('evicts least recently used first while over max_size, counting filesystem blocks', async (ctx) => {
    const f = pruneFixture({ prune: { ttl: '30d', max_size: '40KiB', low_water: 0.5 } });
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    // 100-byte files still take a 4 KiB block each: 12 of them are 48 KiB on disk, over the 40 KiB cap.
    const ages = [7, 3, 11, 1, 9, 5, 12, 2, 10, 4, 8, 6];
    for (const age of ages) f.addFile(`i/v.mp4/segment${age}_0_av.ts`, { bytes: 100, accessedAgoH: age });
    const report = await runPrune(f.config, {}, f.store);
    expect(report.cache.bytesBefore).toBe(12 * 4096);
    // Down to half of 40 KiB = 20 KiB: 5 files of 4 KiB stay; the 7 least recently used go, oldest first.
    expect(report.evicted.files.map((e) => e.path)).toEqual([12, 11, 10, 9, 8, 7, 6].map((age) => `i/v.mp4/segment${age}_0_av.ts`));
    expect(report.evicted.files.every((e) => e.reason === 'size-cap')).toBe(true);
    expect(f.diskFiles()).toEqual([1, 2, 3, 4, 5].map((age) => `i/v.mp4/segment${age}_0_av.ts`));
    expect(report.cache.bytesAfter).toBe(5 * 4096);
  });

  it('changes nothing with --dry-run, and says what it would do', async (ctx) => {
    const f = pruneFixture({ prune: { ttl: '1h', max_size: '8KiB' } });
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    f.addFile('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    f.addFile('i/a.mp4/segment2_0_av.ts', { accessedAgoH: 0 });
    f.addFile('i/a.mp4/segment3_0_av.ts', { accessedAgoH: 0 });
    f.addFile('i/orphan.mp4/segment1_0_av.ts', { row: false });
    f.store.db.prepare(`INSERT INTO cache_files (path, kind, bytes, created_ms) VALUES ('i/gone.mp4/segment1_0_av.ts', 'segment', 4096, 1)`).run();
    const tmp = path.join(f.config.cacheDir, '.tmp', 'stale');
    mkdirSync(path.dirname(tmp), { recursive: true });
    writeFileSync(tmp, 'x');
    utimesSync(tmp, new Date(Date.now() - 10 * HOUR_MS), new Date(Date.now() - 10 * HOUR_MS));
    const dbBefore = f.dbSnapshot();
    const diskBefore = f.diskFiles();

    const report = await runPrune(f.config, { dryRun: true }, f.store);
    expect(report.dryRun).toBe(true);
    expect(report.evicted.fileCount).toBeGreaterThan(0);
    expect(report.reconciled.adopted).toEqual(['i/orphan.mp4/segment1_0_av.ts']);
    expect(report.reconciled.droppedRows).toEqual(['i/gone.mp4/segment1_0_av.ts']);
    expect(report.reconciled.tmpRemoved).toEqual([tmp]);
    expect(f.dbSnapshot()).toBe(dbBefore);
    expect(f.diskFiles()).toEqual(diskBefore);
    expect(existsSync(tmp)).toBe(true);

    const done = await runPrune(f.config, {}, f.store);
    expect(done.evicted.files.map((e) => e.path)).toEqual(report.evicted.files.map((e) => e.path));
  });

  it('adopts files without a row with a fresh window, drops rows without a file, sweeps stale temporary files and empty folders', async (ctx) => {
    const f = pruneFixture({ prune: { ttl: '1h' }, packaging_timeout: '60s' });
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    const pkgId = f.addPackage('orphans.mp4', 'segment');
    f.addFile('i/orphans.mp4/segment1_0_av.ts', { row: false });
    f.addFile('i/kept.mp4/segment1_0_av.ts', { accessedAgoH: 0 });
    f.store.db.prepare(`INSERT INTO cache_files (path, kind, bytes, created_ms) VALUES ('i/gone.mp4/segment1_0_av.ts', 'segment', 4096, 1)`).run();
    const tmpDir = path.join(f.config.cacheDir, '.tmp');
    mkdirSync(path.join(tmpDir, 'old-rendition'), { recursive: true });
    writeFileSync(path.join(tmpDir, 'old-rendition', 'segment0.ts'), 'x');
    writeFileSync(path.join(tmpDir, 'fresh'), 'x');
    const old = new Date(Date.now() - 3 * 60_000); // older than 2 × packaging_timeout
    utimesSync(path.join(tmpDir, 'old-rendition', 'segment0.ts'), old, old);
    utimesSync(path.join(tmpDir, 'old-rendition'), old, old);
    mkdirSync(path.join(f.config.cacheDir, 'i', 'empty.mp4'), { recursive: true });

    const report = await runPrune(f.config, { emptyDirMinAgeSec: 0 }, f.store);
    expect(report.evicted.fileCount).toBe(0);
    const adopted = f.store.fileByPath('i/orphans.mp4/segment1_0_av.ts')!;
    expect(adopted.package_id).toBe(pkgId);
    expect(adopted.kind).toBe('segment');
    expect(adopted.bytes).toBe(4096);
    expect(Math.abs(adopted.created_ms - Date.now())).toBeLessThan(60_000);
    expect(f.store.fileByPath('i/gone.mp4/segment1_0_av.ts')).toBeUndefined();
    expect(existsSync(path.join(tmpDir, 'old-rendition'))).toBe(false);
    expect(existsSync(path.join(tmpDir, 'fresh'))).toBe(true);
    expect(existsSync(path.join(f.config.cacheDir, 'i', 'empty.mp4'))).toBe(false);
    expect(existsSync(path.join(f.config.cacheDir, 'i'))).toBe(true);

    // Its inactivity window started at adoption: the next run with a one-hour TTL keeps it.
    const later = await runPrune(f.config, { ttlSec: 3600 }, f.store);
    expect(later.evicted.files.map((e) => e.path)).not.toContain('i/orphans.mp4/segment1_0_av.ts');
  });

  it('evicts a whole rendition package, playlist first, and removes its folder and package row', async () => {
    const f = pruneFixture({ prune: { ttl: '24h' } });
    const id = f.addPackage('r.mp4', 'rendition');
    f.addFile('i/r.mp4/segment1_0_av.ts', { packageId: id, accessedAgoH: 30 });
    f.addFile('i/r.mp4/segment2_0_av.ts', { packageId: id, accessedAgoH: 30 });
    f.addFile('i/r.mp4/index_0_av.m3u8', { packageId: id, accessedAgoH: 25 });
    const report = await runPrune(f.config, {}, f.store);
    expect(report.evicted.files.map((e) => e.path)).toEqual(['i/r.mp4/index_0_av.m3u8', 'i/r.mp4/segment1_0_av.ts', 'i/r.mp4/segment2_0_av.ts']);
    expect(report.evicted.packages).toBe(1);
    expect(f.store.packageBySource('r.mp4')).toBeUndefined();
    expect(existsSync(path.join(f.config.cacheDir, 'i', 'r.mp4'))).toBe(false);
  });

  it('evicts packages whose source changed or vanished, and leaves what is being generated', async () => {
    const f = pruneFixture({ prune: { ttl: '30d' } });
    const changed = f.addPackage('changed.mp4', 'segment');
    const gone = f.addPackage('gone.mp4', 'rendition');
    const busy = f.addPackage('busy.mp4', 'segment');
    f.addFile('i/changed.mp4/segment1_0_av.ts', { packageId: changed, accessedAgoH: 0 });
    f.addFile('i/gone.mp4/index_0_av.m3u8', { packageId: gone, accessedAgoH: 0 });
    f.addFile('i/busy.mp4/segment1_0_av.ts', { packageId: busy, accessedAgoH: 0 });
    writeFileSync(path.join(f.config.mediaRoot, 'changed.mp4'), 'a longer, re-encoded source');
    writeFileSync(path.join(f.config.mediaRoot, 'busy.mp4'), 'also re-encoded, and being packaged now');
    await import('node:fs/promises').then((fs) => fs.rm(path.join(f.config.mediaRoot, 'gone.mp4')));
    f.store.startGeneration('i/busy.mp4/segment1_0_av.ts');

    const report = await runPrune(f.config, {}, f.store);
    expect(report.evicted.files.map((e) => [e.path, e.reason])).toEqual([
      ['i/changed.mp4/segment1_0_av.ts', 'source-changed'],
      ['i/gone.mp4/index_0_av.m3u8', 'source-missing'],
    ]);
    expect(f.store.packageBySource('changed.mp4')).toBeUndefined();
    expect(f.store.packageBySource('gone.mp4')).toBeUndefined();
    expect(f.diskFiles()).toEqual(['i/busy.mp4/segment1_0_av.ts']);
    expect(report.skipped.generating).toBe(1);
  });

  it('does not let a generation claim left by a dead process protect a file forever', async () => {
    const f = pruneFixture({ prune: { ttl: '1h' }, packaging_timeout: '60s' });
    f.addFile('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    f.addFile('i/a.mp4/segment2_0_av.ts', { accessedAgoH: 30 });
    const claim = f.store.db.prepare('INSERT INTO generations (key, pid, started_ms) VALUES (@key, 999999, @startedMs)');
    claim.run({ key: 'i/a.mp4/segment1_0_av.ts', startedMs: Date.now() - 10 * 60_000 });
    claim.run({ key: 'i/a.mp4/segment2_0_av.ts', startedMs: Date.now() - 30_000 });
    const report = await runPrune(f.config, {}, f.store);
    expect(report.evicted.files.map((e) => e.path)).toEqual(['i/a.mp4/segment1_0_av.ts']);
    expect(report.skipped.generating).toBe(1);
  });

  it('refuses TTL eviction while the access-log tailer is stale, says why, and applies it with --force', async () => {
    const f = pruneFixture({ mode: 'nginx', prune: { ttl: '1h', max_tailer_lag: '5m' } });
    f.addFile('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    f.addFile('i/a.mp4/segment2_0_av.ts', { accessedAgoH: 30 });
    // nginx logged a hit ten minutes ago that no tailer has read: it may be the hit that keeps this file.
    writeFileSync(f.config.accessLog, accessLine('i/a.mp4/segment1_0_av.ts', Date.now() - 10 * 60_000));

    const neverRead = await runPrune(f.config, {}, f.store);
    expect(neverRead.ttl.applied).toBe(false);
    expect(neverRead.ttl.refusedBecause).toMatch(/never been read/);
    expect(neverRead.evicted.fileCount).toBe(0);

    const { Tailer } = await import('../../daemon/tail/tailer.js');
    const tailer = new Tailer({ store: f.store, logPath: f.config.accessLog, context: f.config, watch: false });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    writeFileSync(f.config.accessLog, accessLine('i/a.mp4/segment2_0_av.ts', Date.now() - 6 * 60_000), { flag: 'a' });
    const behind = await runPrune(f.config, {}, f.store);
    expect(behind.ttl.refusedBecause).toMatch(/tailer is 3\d\d s behind/);
    expect(behind.tailer?.bytesBehind).toBeGreaterThan(0);
    expect(f.diskFiles()).toHaveLength(2);

    const forced = await runPrune(f.config, { force: true }, f.store);
    expect(forced.ttl.applied).toBe(true);
    // The hit the tailer did count (ten minutes ago) keeps segment1; segment2's hit was never counted.
    expect(forced.evicted.files.map((e) => e.path)).toEqual(['i/a.mp4/segment2_0_av.ts']);
  });

  it('applies the TTL when the tailer has read everything, however long ago that was', async () => {
    const f = pruneFixture({ mode: 'nginx', prune: { ttl: '1h' } });
    f.addFile('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    writeFileSync(f.config.accessLog, accessLine('i/other.ts', Date.now() - 5 * HOUR_MS));
    const { Tailer } = await import('../../daemon/tail/tailer.js');
    const tailer = new Tailer({ store: f.store, logPath: f.config.accessLog, context: f.config, watch: false });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    f.store.db.prepare('UPDATE tail_cursor SET updated_ms = updated_ms - 3600000').run();
    const report = await runPrune(f.config, {}, f.store);
    expect(report.ttl).toMatchObject({ applied: true, refusedBecause: undefined });
    expect(report.evicted.files.map((e) => e.path)).toEqual(['i/a.mp4/segment1_0_av.ts']);
  });
});
