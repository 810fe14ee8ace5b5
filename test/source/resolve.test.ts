import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localSource } from '../../daemon/source/local-source.js';
import { resolveSource, resolveSourceSync } from '../../daemon/source/resolve.js';

function layout() {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-resolve-'));
  const mediaRoot = path.join(top, 'media');
  mkdirSync(path.join(mediaRoot, 'sub'), { recursive: true });
  writeFileSync(path.join(mediaRoot, 'sub', 'clip.mp4'), 'x'.repeat(10));
  writeFileSync(path.join(top, 'secret.mp4'), 'secret');
  symlinkSync(path.join(top, 'secret.mp4'), path.join(mediaRoot, 'escape.mp4'));
  symlinkSync(path.join(mediaRoot, 'sub', 'clip.mp4'), path.join(mediaRoot, 'alias.mp4'));
  symlinkSync(top, path.join(mediaRoot, 'updir'));
  return { mediaRoot };
}

describe('source resolution', () => {
  it('resolves a file under the media root with its size and mtime', async () => {
    const { mediaRoot } = layout();
    const src = await resolveSource(mediaRoot, 'sub/clip.mp4');
    expect(src.relPath).toBe('sub/clip.mp4');
    expect(src.sizeBytes).toBe(10);
    expect(src.mtimeMs).toBeGreaterThan(0);
  });

  it('follows a symlink that stays inside the media root', async () => {
    const { mediaRoot } = layout();
    expect((await resolveSource(mediaRoot, 'alias.mp4')).absPath).toBe(path.join(mediaRoot, 'sub', 'clip.mp4'));
  });

  it.each(['escape.mp4', 'updir/secret.mp4', 'missing.mp4', 'sub'])('answers %s as not found', async (rel) => {
    const { mediaRoot } = layout();
    await expect(resolveSource(mediaRoot, rel)).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });
});

describe('resolving a source resolved moments ago (looked up on this thread)', () => {
  it('looks again every time: a replacement, a symlink now leading outside and a removal are noticed at once', async () => {
    const { mediaRoot } = layout();
    const source = localSource(mediaRoot);
    const file = path.join(mediaRoot, 'sub', 'clip.mp4');
    const first = await source.resolve('sub/clip.mp4');
    expect(await source.resolve('sub/clip.mp4')).toEqual(first);
    writeFileSync(`${file}.new`, 'y'.repeat(25));
    renameSync(`${file}.new`, file);
    expect((await source.resolve('sub/clip.mp4')).sizeBytes).toBe(25);
    rmSync(file);
    symlinkSync(path.join(mediaRoot, '..', 'secret.mp4'), file);
    await expect(source.resolve('sub/clip.mp4')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    rmSync(file);
    await expect(source.resolve('sub/clip.mp4')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(file, 'z'.repeat(7));
    expect((await source.resolve('sub/clip.mp4')).sizeBytes).toBe(7);
  });

  it('answers alike on this thread and through the pool, for every kind of path', async () => {
    const { mediaRoot } = layout();
    const outcome = async (resolve: () => unknown) => {
      try {
        return await resolve();
      } catch (err) {
        return { code: (err as { code?: string }).code, details: (err as { details?: unknown }).details };
      }
    };
    for (const rel of ['sub/clip.mp4', 'alias.mp4', 'escape.mp4', 'updir/secret.mp4', 'sub', 'missing.mp4']) {
      expect(await outcome(() => resolveSourceSync(mediaRoot, rel))).toEqual(await outcome(() => resolveSource(mediaRoot, rel)));
    }
  });
});
