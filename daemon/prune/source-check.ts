// Is each package's source still the file it was made from? Same path, size and mtime, or it is stale.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PackageRow } from '../store/store.js';

export type SourceState = 'ok' | 'changed' | 'missing';

/**
 * Stats every package's source under media_root. Returns undefined when media_root itself is not there
 * (an unmounted volume): every package would look vanished, and evicting the whole cache for it is wrong.
 */
export async function checkSources(mediaRoot: string, packages: readonly PackageRow[]): Promise<Map<number, SourceState> | undefined> {
  const root = await fs.stat(mediaRoot).catch(() => undefined);
  if (!root?.isDirectory()) return undefined;
  const states = new Map<number, SourceState>();
  for (const pkg of packages) {
    const st = await fs.stat(path.join(mediaRoot, ...pkg.source_path.split('/'))).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error) {
      // Only a file that is certainly gone counts as gone; a permission problem says nothing about it.
      states.set(pkg.id, st.code === 'ENOENT' || st.code === 'ENOTDIR' ? 'missing' : 'ok');
      continue;
    }
    const same = st.isFile() && st.size === pkg.source_size && Math.trunc(st.mtimeMs) === pkg.source_mtime_ms;
    states.set(pkg.id, same ? 'ok' : 'changed');
  }
  return states;
}
