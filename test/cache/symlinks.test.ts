import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invalidateRendition } from '../../daemon/cache/invalidate.js';
import { sweepTmp } from '../../daemon/cache/publish.js';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';
import { pruneFixture } from '../prune/prune-fixture.js';

/** A folder outside every cache, holding one file that must survive whatever the cache does. */
function outsideFolder(name = 'segment1_0_av.ts'): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-outside-'));
  const file = path.join(dir, name);
  writeFileSync(file, Buffer.alloc(4096, 0x47));
  const old = new Date(Date.now() - 30 * 24 * 3_600_000);
  utimesSync(file, old, old);
  utimesSync(dir, old, old);
  return { dir, file };
}

describe('nothing under cache_dir is followed through a symbolic link', () => {
  it('the start-up sweep removes a .tmp link itself and leaves what it points at', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'casterpak-cache-'));
    const outside = outsideFolder();
    symlinkSync(outside.dir, path.join(cacheDir, '.tmp'));
    expect(await sweepTmp(cacheDir)).toBe(1);
    expect(existsSync(path.join(cacheDir, '.tmp'))).toBe(false);
    expect(existsSync(outside.file)).toBe(true);
  });

  it('the start-up sweep removes a link inside .tmp, not the folder it points at', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'casterpak-cache-'));
    const outside = outsideFolder();
    mkdirSync(path.join(cacheDir, '.tmp'));
    symlinkSync(outside.dir, path.join(cacheDir, '.tmp', '123-leftover'));
    expect(await sweepTmp(cacheDir)).toBe(1);
    expect(readdirSync(path.join(cacheDir, '.tmp'))).toEqual([]);
    expect(existsSync(outside.file)).toBe(true);
  });

  it('prune neither adopts nor deletes what a linked .tmp, prefix folder or rendition folder points at', async () => {
    const f = pruneFixture({ prune: { ttl: '1h' } });
    const [tmpTarget, renditionTarget] = [outsideFolder('123-stale'), outsideFolder()];
    symlinkSync(tmpTarget.dir, path.join(f.config.cacheDir, '.tmp'));
    f.addFile('i/real.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    symlinkSync(renditionTarget.dir, path.join(f.config.cacheDir, 'i', 'linked.mp4'));
    const report = await runPrune(f.config, {}, f.store);
    expect(report.evicted.files.map((e) => e.path)).toEqual(['i/real.mp4/segment1_0_av.ts']);
    expect(report.reconciled.adopted).toEqual([]);
    expect(report.reconciled.tmpRemoved).toEqual([]);
    expect(existsSync(tmpTarget.file)).toBe(true);
    expect(existsSync(renditionTarget.file)).toBe(true);
    expect(lstatSync(path.join(f.config.cacheDir, 'i', 'linked.mp4')).isSymbolicLink()).toBe(true);
  });

  it('prune does not walk a prefix folder that is itself a link', async () => {
    const f = pruneFixture({ prune: { ttl: '1h' } });
    const outside = outsideFolder();
    mkdirSync(path.join(outside.dir, 'clip.mp4'));
    writeFileSync(path.join(outside.dir, 'clip.mp4', 'segment1_0_av.ts'), 'x');
    mkdirSync(f.config.cacheDir, { recursive: true });
    symlinkSync(outside.dir, path.join(f.config.cacheDir, 'i'));
    const report = await runPrune(f.config, {}, f.store);
    expect(report.reconciled.adopted).toEqual([]);
    expect(report.reconciled.dirsRemoved).toEqual([]);
    expect(existsSync(outside.file)).toBe(true);
    expect(existsSync(path.join(outside.dir, 'clip.mp4', 'segment1_0_av.ts'))).toBe(true);
  });

  it('invalidate leaves the files of a rendition folder that is a link', async () => {
    const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
    const outside = outsideFolder();
    mkdirSync(path.join(daemon.cacheDir, 'i'), { recursive: true });
    symlinkSync(outside.dir, path.join(daemon.cacheDir, 'i', 'clip.mp4'));
    const dropped = await invalidateRendition({ store: daemon.store, cacheDir: daemon.cacheDir, urlPrefix: daemon.config.urlPrefix }, 'clip.mp4');
    expect(dropped.files).toBe(0);
    expect(existsSync(outside.file)).toBe(true);
  });

  it.each([
    ['the rendition folder', 'i/clip.mp4'],
    ['the prefix folder', 'i'],
    ['the temporary folder', '.tmp'],
  ])('a publish through a link at %s is refused with CACHE_SYMLINK and writes nothing outside', async (_what, linkRel) => {
    const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    const outside = mkdtempSync(path.join(tmpdir(), 'casterpak-outside-'));
    const link = path.join(daemon.cacheDir, ...linkRel.split('/'));
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(outside, link);
    const response = await daemon.request('/i/clip.mp4/index_0_av.m3u8');
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/^CACHE_SYMLINK: .*is not a directory/);
    expect(readdirSync(outside)).toEqual([]);
    expect(daemon.store.counts().files).toBe(0);
  });
});
