import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSource } from '../../daemon/source/resolve.js';

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
