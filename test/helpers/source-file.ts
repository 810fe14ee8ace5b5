// An opened source for a path on disk, as the daemon's openSource would hand it to a packager.

import { open } from 'node:fs/promises';
import path from 'node:path';
import { localOpenSource, type LocalOpenSource } from '../../daemon/source/open-source.js';

const opened = new Set<LocalOpenSource>();

/** Opens `absPath` (closed by closeSourceFiles, or when the test process ends). */
export async function sourceFileOf(absPath: string): Promise<LocalOpenSource> {
  const handle = await open(absPath, 'r');
  const stat = await handle.stat();
  const src = localOpenSource(handle, { absPath, relPath: path.basename(absPath), sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
  opened.add(src);
  return src;
}

/** Closes every source sourceFileOf opened. */
export async function closeSourceFiles(): Promise<void> {
  const all = [...opened];
  opened.clear();
  await Promise.all(all.map((src) => src.handle.close()));
}
