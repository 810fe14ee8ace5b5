// A decoded relative path → a real file under media_root (symlinks resolved and confined), with its identity.

import { promises as fs, type Stats } from 'node:fs';
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

/** The real paths of media_root and of a source below it, both after every symlink. */
export interface ConfinedPath {
  readonly rootReal: string;
  readonly real: string;
  readonly stat: Stats;
}

/** A source that is missing, escapes media_root or is not a regular file: answered alike, as a missing one. */
export function notFound(sourceRel: string, reason: string): CasterpakError {
  return new CasterpakError('NOT_FOUND', 'no such source', { sourceRel, reason });
}

/** True when `real` lies strictly inside the real media root. */
export function isInside(rootReal: string, real: string): boolean {
  return real.startsWith(rootReal + path.sep);
}

/**
 * Resolves `sourceRel` below `mediaRoot` to a regular file. The real path (after every symlink) must stay
 * inside the real media root; a path that escapes is answered like a missing file, so nothing outside is
 * revealed.
 */
export async function confinedPath(mediaRoot: string, sourceRel: string): Promise<ConfinedPath> {
  let rootReal: string;
  let real: string;
  try {
    rootReal = await fs.realpath(mediaRoot);
    real = await fs.realpath(path.join(rootReal, sourceRel));
  } catch {
    throw notFound(sourceRel, 'does not exist');
  }
  if (!isInside(rootReal, real)) throw notFound(sourceRel, `resolves outside media_root: ${real}`);
  const stat = await fs.stat(real).catch(() => undefined);
  if (!stat?.isFile()) throw notFound(sourceRel, 'not a regular file');
  return { rootReal, real, stat };
}

/**
 * The checks behind each SourceFile resolveSource returned, kept beside it (never inside it: the file is
 * spread and stored as it is) for as long as the caller holds it, so an open of the same request can reuse them.
 */
const checksOf = new WeakMap<SourceFile, ConfinedPath>();

/** The path checks that resolved `file`, when resolveSource made it. */
export function confinedPathOf(file: SourceFile | undefined): ConfinedPath | undefined {
  return file ? checksOf.get(file) : undefined;
}

/** The source's identity (path, size, mtime) without opening it: enough to tell a cache hit from a stale package. */
export async function resolveSource(mediaRoot: string, sourceRel: string): Promise<SourceFile> {
  const checked = await confinedPath(mediaRoot, sourceRel);
  const { real, stat } = checked;
  const file = { absPath: real, relPath: sourceRel, sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) };
  checksOf.set(file, checked);
  return file;
}
