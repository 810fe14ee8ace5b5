import { existsSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimPackage, StaleGeneration } from '../../daemon/cache/generation-publish.js';
import { localSource } from '../../daemon/source/local-source.js';
import type { SourceFile } from '../../daemon/source/resolve.js';
import { fileGenerationKey, generationFolder, packageGenerationKey, sourceOfGenerationKey } from '../../daemon/store/generation-keys.js';
import { Store } from '../../daemon/store/store.js';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';

function setup() {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-claim-'));
  const cacheDir = path.join(top, 'cache');
  const store = Store.open(path.join(top, 'state'));
  const absPath = path.join(top, 'clip.mp4');
  const sourceNow = (): SourceFile => {
    const st = statSync(absPath);
    return { absPath, relPath: 'clip.mp4', sizeBytes: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
  };
  const claim = (src: SourceFile) => claimPackage({ store, cacheDir, source: localSource(top), src, renditionDir: 'i/clip.mp4/', packager: 'builtin', granularity: 'segment', segmentCount: 2 });
  return { cacheDir, store, absPath, sourceNow, claim };
}

describe('claiming a package', () => {
  it('refuses a run that resolved the old file, and keeps the package made from the new one', async () => {
    const t = setup();
    writeFileSync(t.absPath, 'version 1');
    const old = t.sourceNow();
    writeFileSync(t.absPath, 'version two, longer');
    const current = await t.claim(t.sourceNow());
    const segment = path.join(t.cacheDir, 'i', 'clip.mp4', 'segment1_0_av.ts');
    mkdirSync(path.dirname(segment), { recursive: true });
    writeFileSync(segment, 'new');
    t.store.recordFiles([{ path: 'i/clip.mp4/segment1_0_av.ts', packageId: current.id, kind: 'segment', bytes: 4096 }]);
    await expect(t.claim(old)).rejects.toThrow(StaleGeneration);
    expect(t.store.packageBySource('clip.mp4')?.id).toBe(current.id);
    expect(existsSync(segment)).toBe(true);
  });

  it('unlinks the replaced package\'s files before it returns the new package', async () => {
    const t = setup();
    writeFileSync(t.absPath, 'version 1');
    const old = await t.claim(t.sourceNow());
    const files = ['i/clip.mp4/index_0_av.m3u8', 'i/clip.mp4/segment1_0_av.ts'];
    for (const rel of files) {
      mkdirSync(path.join(t.cacheDir, 'i', 'clip.mp4'), { recursive: true });
      writeFileSync(path.join(t.cacheDir, ...rel.split('/')), 'old');
    }
    t.store.recordFiles(files.map((p) => ({ path: p, packageId: old.id, kind: p.endsWith('.ts') ? 'segment' as const : 'playlist' as const, bytes: 4096 })));
    writeFileSync(t.absPath, 'version two, longer');
    const next = await t.claim(t.sourceNow());
    expect(next.id).toBeGreaterThan(old.id);
    for (const rel of files) expect(existsSync(path.join(t.cacheDir, ...rel.split('/')))).toBe(false);
  });
});

describe('claiming a new package', () => {
  it('unlinks a file its folder holds without a row (renamed by a run that died before its commit), and no link\'s target', async () => {
    const t = setup();
    writeFileSync(t.absPath, 'version 1');
    await t.claim(t.sourceNow());
    const folder = path.join(t.cacheDir, 'i', 'clip.mp4');
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'segment3_0_av.ts'), 'old, never recorded');
    const outside = path.join(mkdtempSync(path.join(tmpdir(), 'casterpak-outside-')), 'keep.ts');
    writeFileSync(outside, 'not the cache\'s');
    symlinkSync(outside, path.join(folder, 'segment4_0_av.ts'));
    writeFileSync(t.absPath, 'version two, longer');
    await t.claim(t.sourceNow());
    expect(existsSync(path.join(folder, 'segment3_0_av.ts'))).toBe(false);
    expect(existsSync(outside)).toBe(true);
  });
});

describe('generation keys', () => {
  it('tell a whole-package key from a cache path, and name the folder each run writes into', () => {
    expect(sourceOfGenerationKey(packageGenerationKey('shows/a.mp4'))).toBe('shows/a.mp4');
    expect(sourceOfGenerationKey(fileGenerationKey('i/shows/a.mp4/segment1_0_av.ts'))).toBeUndefined();
    expect(generationFolder(packageGenerationKey('shows/a.mp4'), 'i')).toBe('i/shows/a.mp4');
    expect(generationFolder(fileGenerationKey('i/shows/a.mp4/segment1_0_av.ts'), 'i')).toBe('i/shows/a.mp4');
  });
});

describe('the claim of a segment miss', () => {
  const claimed = (store: Store) => (store.statement('generationKeys').all({ sinceMs: 0 }) as Array<{ key: string }>).map((r) => r.key);

  it('is held until its file is published and gone once it is, also after a run that fails inside', async () => {
    const seen: string[][] = [];
    let store: Store | undefined;
    const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 }, { beforePublish: async () => void seen.push(claimed(store!)) });
    store = daemon.store;
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    for (const url of ['/i/clip.mp4/segment1_0_av.ts', '/i/clip.mp4/cmaf/audio_2.m4s']) expect((await daemon.request(url)).status).toBe(200);
    expect(seen).toEqual([['i/clip.mp4/segment1_0_av.ts'], ['i/clip.mp4/cmaf/audio_2.m4s']]);
    expect(claimed(daemon.store)).toEqual([]);
    expect(daemon.store.fileByPath('i/clip.mp4/cmaf/audio_2.m4s')?.package_id).toBeTypeOf('number');
    // Past the end of the audio track's plan: refused inside the run, after its claim was taken.
    expect((await daemon.request('/i/clip.mp4/cmaf/audio_9.m4s')).status).toBe(404);
    expect(claimed(daemon.store)).toEqual([]);
  });
});
