// A decoded relative path → a real file under media_root (symlinks resolved and confined), with its identity.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';

/** A source rendition, identified by path, size and mtime (a replaced file is a new package). */
export interface SourceFile {
  /** Real absolute path under media_root. */
  readonly absPath: string;
  /** Path relative to media_root, with forward slashes, e.g. `2022/clip.mp4`. */
  readonly relPath: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

/**
 * Resolves `sourceRel` below `mediaRoot`. The real path (after every symlink) must stay inside the real
 * media root; a path that escapes is answered like a missing file, so nothing outside is revealed.
 */
export async function resolveSource(mediaRoot: string, sourceRel: string): Promise<SourceFile> {
  const notFound = (reason: string) => new CasterpakError('NOT_FOUND', 'no such source', { sourceRel, reason });
  let rootReal: string;
  let real: string;
  try {
    rootReal = await fs.realpath(mediaRoot);
    real = await fs.realpath(path.join(rootReal, sourceRel));
  } catch {
    throw notFound('does not exist');
  }
  if (!real.startsWith(rootReal + path.sep)) throw notFound(`resolves outside media_root: ${real}`);
  const stat = await fs.stat(real);
  if (!stat.isFile()) throw notFound('not a regular file');
  return { absPath: real, relPath: sourceRel, sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) };
}
