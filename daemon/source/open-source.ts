// A source opened once: the checked path is opened, the open file is proven to be the one checked, and every read goes through it.

import { constants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { handleReader } from './file-reader.js';
import { confinedPath, isInside, notFound, type SourceFile } from './resolve.js';
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

/** The opened file as a source: every read goes through `handle`, which `close` closes. */
export function localOpenSource(handle: FileHandle, file: SourceFile): LocalOpenSource {
  const reader = handleReader(handle, file.sizeBytes, file.relPath);
  return {
    ...file,
    handle,
    fd: handle.fd,
    reader,
    headerReader: reader,
    wholeFileFd: async () => handle.fd,
    close: () => handle.close(),
  };
}

export interface OpenHooks {
  /** Runs between the path checks and the open (tests swap a symlink here to stand for a race). */
  readonly beforeOpen?: () => Promise<void>;
}

/**
 * Where the open descriptor really points. Linux names the opened file in /proc/self/fd, whatever was
 * swapped at its path since; elsewhere the path is resolved again and must still name the same inode.
 */
async function openedPath(fd: number, real: string, opened: Stats): Promise<string | undefined> {
  try {
    return await fs.readlink(`/proc/self/fd/${fd}`);
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
 */
export async function openSource(mediaRoot: string, sourceRel: string, hooks: OpenHooks = {}): Promise<LocalOpenSource> {
  const { rootReal, real, stat: checked } = await confinedPath(mediaRoot, sourceRel);
  const inside = (p: string) => isInside(rootReal, p);
  await hooks.beforeOpen?.();
  // O_NOFOLLOW: the last component must not have become a symlink; O_NONBLOCK: a FIFO swapped in must not hang the open.
  const handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    // ELOOP: the file itself became a symlink since the check.
    throw notFound(sourceRel, `cannot open it (${err.code ?? err.message}); it may have changed since it was checked`);
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.dev !== checked.dev || opened.ino !== checked.ino) throw notFound(sourceRel, 'changed while it was being opened');
    const where = await openedPath(handle.fd, real, opened);
    if (where === undefined || !inside(where)) throw notFound(sourceRel, `the opened file is outside media_root: ${where ?? 'unknown'}`);
    return localOpenSource(handle, { absPath: real, relPath: sourceRel, sizeBytes: opened.size, mtimeMs: Math.trunc(opened.mtimeMs) });
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
