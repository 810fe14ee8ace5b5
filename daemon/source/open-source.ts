// A source opened once: the checked path is opened, the open file is proven to be the one checked, and every read goes through it.

import { constants, fstatSync, promises as fs, readlinkSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { handleReader } from './file-reader.js';
import { confinedPath, isInside, notFound, type ConfinedPath, type SourceFile } from './resolve.js';
import type { OpenSource } from './source.js';

export type { OpenSource } from './source.js';

/**
 * A local source opened once: every byte a packager reads comes through `handle`,
 * never by reopening `absPath`, so a path swapped after the check cannot change what is read.
 */
export interface LocalOpenSource extends OpenSource {
  readonly handle: FileHandle;
  readonly fd: number;
}

/** Which file was opened, and the path that named it. */
export interface OpenedIdentity {
  readonly named: string;
  readonly dev: number;
  readonly ino: number;
}

/**
 * One stat of the path (symlinks followed): it still names the opened file, unchanged in size and mtime.
 * A file replaced, rewritten, moved away, or a symlink on the way pointed elsewhere, all fail it. On this
 * thread: the path was opened moments ago, so its entries are in memory and the stat answers in a few
 * microseconds, where a trip through libuv's pool costs tens.
 */
async function stillNames(identity: OpenedIdentity, file: SourceFile): Promise<boolean> {
  let now: Stats | undefined;
  try {
    now = statSync(identity.named, { throwIfNoEntry: false });
  } catch {
    return false; // a folder on the way replaced by a file, a loop of links, no permission: not the file opened
  }
  return now !== undefined && now.isFile() && now.dev === identity.dev && now.ino === identity.ino && now.size === file.sizeBytes && Math.trunc(now.mtimeMs) === Math.trunc(file.mtimeMs);
}

/** The opened file as a source: every read goes through `handle`, which `close` closes. */
export function localOpenSource(handle: FileHandle, file: SourceFile, identity?: OpenedIdentity): LocalOpenSource {
  const reader = handleReader(handle, file.sizeBytes, file.relPath);
  return {
    ...file,
    handle,
    fd: handle.fd,
    reader,
    headerReader: reader,
    wholeFileFd: async () => handle.fd,
    ...(identity ? { stillCurrent: () => stillNames(identity, file) } : {}),
    close: () => handle.close(),
  };
}

export interface OpenHooks {
  /** Runs between the path checks and the open (tests swap a symlink here to stand for a race). */
  readonly beforeOpen?: () => Promise<void>;
}

/**
 * Where the open descriptor really points. Linux names the opened file in /proc/self/fd, whatever was
 * swapped at its path since (read on this thread: /proc answers from memory, in microseconds, where a
 * trip through libuv's pool costs tens); elsewhere the path is resolved again and must still name the same inode.
 */
async function openedPath(fd: number, real: string, opened: Stats): Promise<string | undefined> {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    const again = await fs.realpath(real).catch(() => undefined);
    const stat = again ? await fs.stat(again).catch(() => undefined) : undefined;
    return stat && stat.dev === opened.dev && stat.ino === opened.ino ? again : undefined;
  }
}

/**
 * Opens `sourceRel` below `mediaRoot` for reading. The real path must lie inside the real media root
 * (checked by name first, then on the open descriptor), so a symlink swapped in between the check and
 * the open is refused instead of read. The caller owns the handle: close it when the work is done.
 *
 * `checked`: the name checks this request already made (resolveSource's), reused instead of made again.
 * What is opened must still be the file they found (same device and inode) and still lie inside media_root
 * on its descriptor; a file replaced since then is checked afresh, and opened as it is now.
 */
export async function openSource(mediaRoot: string, sourceRel: string, hooks: OpenHooks = {}, checked?: ConfinedPath): Promise<LocalOpenSource> {
  const named = path.join(mediaRoot, sourceRel);
  if (checked) {
    const opened = await openChecked({ sourceRel, named, checked, reused: true }, hooks);
    if (opened !== 'changed') return opened;
  }
  const fresh = await openChecked({ sourceRel, named, checked: await confinedPath(mediaRoot, sourceRel), reused: false }, hooks);
  if (fresh === 'changed') throw notFound(sourceRel, 'changed while it was being opened');
  return fresh;
}

interface OpenAttempt {
  readonly sourceRel: string;
  /** The source's path as media_root names it (symlinks not resolved), which stillCurrent looks at. */
  readonly named: string;
  readonly checked: ConfinedPath;
  /** The checks are an earlier step's: a file missing now is one replaced since, checked afresh rather than refused. */
  readonly reused: boolean;
}

/** Opens the file `checked` names and proves it is that file, inside media_root; 'changed' when another file is there now. */
async function openChecked(attempt: OpenAttempt, hooks: OpenHooks): Promise<LocalOpenSource | 'changed'> {
  const { sourceRel, named, checked, reused } = attempt;
  const { rootReal, real, stat: found } = checked;
  await hooks.beforeOpen?.();
  // O_NOFOLLOW: the last component must not have become a symlink; O_NONBLOCK: a FIFO swapped in must not hang the open.
  const handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (reused && err.code === 'ENOENT') return 'changed' as const;
    // ELOOP: the file itself became a symlink since the check.
    throw notFound(sourceRel, `cannot open it (${err.code ?? err.message}); it may have changed since it was checked`);
  });
  if (handle === 'changed') return handle;
  try {
    // The open descriptor's inode is in memory: fstat on this thread (see stillNames).
    const opened = fstatSync(handle.fd);
    if (!opened.isFile() || opened.dev !== found.dev || opened.ino !== found.ino) {
      await handle.close();
      return 'changed';
    }
    const where = await openedPath(handle.fd, real, opened);
    if (where === undefined || !isInside(rootReal, where)) throw notFound(sourceRel, `the opened file is outside media_root: ${where ?? 'unknown'}`);
    const file = { absPath: real, relPath: sourceRel, sizeBytes: opened.size, mtimeMs: Math.trunc(opened.mtimeMs) };
    return localOpenSource(handle, file, { named, dev: opened.dev, ino: opened.ino });
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** Runs `work` on the opened source and always closes it: the handle lives exactly as long as the work. */
export async function withOpenSource<T>(mediaRoot: string, sourceRel: string, work: (src: LocalOpenSource) => Promise<T>): Promise<T> {
  const src = await openSource(mediaRoot, sourceRel);
  try {
    return await work(src);
  } finally {
    await src.close();
  }
}
