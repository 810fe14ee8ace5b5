// Opening a source once: a path swapped after the check never makes a packager read a file outside media_root.

import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { createFfmpegPackager } from '../../daemon/packagers/ffmpeg.js';
import { openSource, withOpenSource } from '../../daemon/source/open-source.js';
import { handleReader } from '../../daemon/source/file-reader.js';
import { localSource } from '../../daemon/source/local-source.js';
import { confinedPathOf, resolveSource } from '../../daemon/source/resolve.js';
import { makeClip, probeDurationSec } from '../helpers/clip.js';
import { FFMPEG } from '../helpers/media.js';

const tops: string[] = [];
afterAll(() => tops.forEach((top) => rmSync(top, { recursive: true, force: true })));

/** media/sub/clip.mp4 (the checked file) and outside/clip.mp4 (a file no request may read), with different bytes. */
function layout(inside = 'inside bytes', outside = 'OUTSIDE SECRET BYTES') {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-open-source-'));
  tops.push(top);
  const mediaRoot = path.join(top, 'media');
  mkdirSync(path.join(mediaRoot, 'sub'), { recursive: true });
  mkdirSync(path.join(top, 'outside'));
  writeFileSync(path.join(mediaRoot, 'sub', 'clip.mp4'), inside);
  writeFileSync(path.join(top, 'outside', 'clip.mp4'), outside);
  symlinkSync(path.join(top, 'outside', 'clip.mp4'), path.join(mediaRoot, 'escape.mp4'));
  return { top, mediaRoot };
}

/** The race, made deterministic: media/sub becomes a symlink to the outside folder. */
function swapSubForOutside(top: string): void {
  renameSync(path.join(top, 'media', 'sub'), path.join(top, 'media', 'sub-old'));
  symlinkSync(path.join(top, 'outside'), path.join(top, 'media', 'sub'));
}

async function readAll(src: Awaited<ReturnType<typeof openSource>>): Promise<string> {
  return Buffer.from(await handleReader(src.handle, src.sizeBytes, src.relPath).read(0, src.sizeBytes)).toString();
}

describe('opening a source', () => {
  it('reads the checked file through its handle after the path was swapped to lead outside', async () => {
    const { top, mediaRoot } = layout();
    await withOpenSource(mediaRoot, 'sub/clip.mp4', async (src) => {
      swapSubForOutside(top);
      expect(readFileSync(path.join(mediaRoot, 'sub', 'clip.mp4'), 'utf8')).toBe('OUTSIDE SECRET BYTES');
      expect(await readAll(src)).toBe('inside bytes');
    });
  });

  it('refuses with 404 when a folder on the path is swapped for a symlink to outside between the check and the open', async () => {
    const { top, mediaRoot } = layout();
    const opening = openSource(mediaRoot, 'sub/clip.mp4', { beforeOpen: async () => swapSubForOutside(top) });
    await expect(opening).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('refuses with 404 when the file itself is swapped for a symlink between the check and the open', async () => {
    const { top, mediaRoot } = layout();
    const file = path.join(mediaRoot, 'sub', 'clip.mp4');
    const swap = async () => {
      await fs.rm(file);
      await fs.symlink(path.join(top, 'outside', 'clip.mp4'), file);
    };
    await expect(openSource(mediaRoot, 'sub/clip.mp4', { beforeOpen: swap })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses with 404 when the file is replaced by another between the check and the open', async () => {
    const { mediaRoot } = layout();
    const file = path.join(mediaRoot, 'sub', 'clip.mp4');
    const replace = async () => {
      await fs.writeFile(`${file}.new`, 'other bytes');
      await fs.rename(`${file}.new`, file);
    };
    await expect(openSource(mediaRoot, 'sub/clip.mp4', { beforeOpen: replace })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a symlink that leads outside media_root, and describes the file from its open handle', async () => {
    const { mediaRoot } = layout();
    await expect(openSource(mediaRoot, 'escape.mp4')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const src = await openSource(mediaRoot, 'sub/clip.mp4');
    try {
      expect(src.sizeBytes).toBe('inside bytes'.length);
      expect(src.absPath).toBe(path.join(await fs.realpath(mediaRoot), 'sub', 'clip.mp4'));
    } finally {
      await src.handle.close();
    }
  });
});

describe('opening a source this request already resolved', () => {
  it('reuses the checks of the resolve, and still refuses a folder swapped for a symlink to outside since', async () => {
    const { top, mediaRoot } = layout();
    const resolved = await resolveSource(mediaRoot, 'sub/clip.mp4');
    const src = await openSource(mediaRoot, 'sub/clip.mp4', {}, confinedPathOf(resolved));
    try {
      expect(await readAll(src)).toBe('inside bytes');
    } finally {
      await src.close();
    }
    swapSubForOutside(top);
    await expect(openSource(mediaRoot, 'sub/clip.mp4', {}, confinedPathOf(resolved))).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('opens the file as it is now when it was replaced after the resolve, or deleted and written again', async () => {
    const { mediaRoot } = layout();
    const file = path.join(mediaRoot, 'sub', 'clip.mp4');
    const resolved = await resolveSource(mediaRoot, 'sub/clip.mp4');
    await fs.writeFile(`${file}.new`, 'replacement bytes');
    await fs.rename(`${file}.new`, file);
    const replaced = await openSource(mediaRoot, 'sub/clip.mp4', {}, confinedPathOf(resolved));
    try {
      expect(await readAll(replaced)).toBe('replacement bytes');
      expect(replaced.sizeBytes).toBe('replacement bytes'.length);
    } finally {
      await replaced.close();
    }
    await fs.rm(file);
    await expect(openSource(mediaRoot, 'sub/clip.mp4', {}, confinedPathOf(resolved))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('through the local Source, only for a resolve of the same path', async () => {
    const { mediaRoot } = layout();
    writeFileSync(path.join(mediaRoot, 'other.mp4'), 'other file');
    const source = localSource(mediaRoot);
    const resolved = await source.resolve('other.mp4');
    const src = await source.open('sub/clip.mp4', resolved);
    try {
      expect(await readAll(src as Awaited<ReturnType<typeof openSource>>)).toBe('inside bytes');
    } finally {
      await src.close();
    }
  });
});

describe('an opened source tells whether its path still names it', () => {
  async function opened(mediaRoot: string) {
    return openSource(mediaRoot, 'sub/clip.mp4');
  }

  it('yes while nothing changed; no once the file is replaced, rewritten in place, or removed', async () => {
    const { mediaRoot } = layout();
    const file = path.join(mediaRoot, 'sub', 'clip.mp4');
    const src = await opened(mediaRoot);
    try {
      expect(await src.stillCurrent?.()).toBe(true);
      await fs.writeFile(`${file}.new`, 'inside bytes');
      await fs.rename(`${file}.new`, file);
      expect(await src.stillCurrent?.()).toBe(false);
    } finally {
      await src.close();
    }
    const again = await opened(mediaRoot);
    try {
      await fs.appendFile(file, ' and more');
      expect(await again.stillCurrent?.()).toBe(false);
      await fs.rm(file);
      expect(await again.stillCurrent?.()).toBe(false);
    } finally {
      await again.close();
    }
  });

  it('no once a folder on its path is pointed at another copy of the same bytes', async () => {
    const { top, mediaRoot } = layout('same bytes', 'same bytes');
    const src = await opened(mediaRoot);
    try {
      swapSubForOutside(top);
      expect(readFileSync(path.join(mediaRoot, 'sub', 'clip.mp4'), 'utf8')).toBe('same bytes');
      expect(await src.stillCurrent?.()).toBe(false);
    } finally {
      await src.close();
    }
  });
});

describe('packagers read the opened source, not its path', () => {
  /** A 4 s clip inside and an 8 s one outside: what was packaged shows in the durations. */
  async function swappedAfterOpen<T>(work: (src: Awaited<ReturnType<typeof openSource>>) => Promise<T>): Promise<T> {
    const { top, mediaRoot } = layout();
    makeClip(path.join(mediaRoot, 'sub', 'clip.mp4'), { durationSec: 4 });
    makeClip(path.join(top, 'outside', 'clip.mp4'), { durationSec: 8 });
    return withOpenSource(mediaRoot, 'sub/clip.mp4', async (src) => {
      swapSubForOutside(top);
      return work(src);
    });
  }
  const total = (durations: readonly number[]) => durations.reduce((sum, d) => sum + d, 0);

  it('the builtin packager, whose parse worker reads the same descriptor', async () => {
    const packager = createBuiltinPackager({ segmentDurationSec: 2 });
    try {
      const { durationsSec } = await swappedAfterOpen((src) => packager.plan(src));
      expect(total(durationsSec)).toBeCloseTo(4, 0);
    } finally {
      await packager.parsePool.close();
    }
  });

  it('ffmpeg, which reads /dev/fd/3 of the descriptor handed to it', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'casterpak-open-source-ffmpeg-'));
    tops.push(out);
    const packager = createFfmpegPackager({ segmentDurationSec: 2, ffmpegPath: FFMPEG });
    const { durationsSec } = await swappedAfterOpen((src) => packager.packageRendition(src, out, new AbortController().signal));
    expect(total(durationsSec)).toBeCloseTo(4, 0);
    expect(probeDurationSec(path.join(out, 'segment1_0_av.ts'))).toBeLessThan(3);
  });
});
