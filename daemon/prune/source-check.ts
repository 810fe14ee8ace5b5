// Is each package's source still the file it was made from? Same path, size and mtime (or ETag), or it is stale.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isCasterpakError } from '../errors.js';
import type { Source } from '../source/source.js';
import type { PackageRow } from '../store/store.js';

export type SourceState = 'ok' | 'changed' | 'missing';

/** HEAD requests in flight at once when the sources are remote. */
const REMOTE_CONCURRENCY = 8;

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

/**
 * The same for a remote media_root, one HEAD per package (a few at a time). Undefined when the origin
 * does not answer its probe: an unreachable origin says nothing about its objects. Only a 404 is
 * missing; any other failure leaves the package alone.
 */
export async function checkRemoteSources(source: Source, packages: readonly PackageRow[]): Promise<Map<number, SourceState> | undefined> {
  if (!(await source.probe().then(() => true, () => false))) return undefined;
  const states = new Map<number, SourceState>();
  let next = 0;
  const worker = async () => {
    while (next < packages.length) {
      const pkg = packages[next++];
      const now = await source.resolve(pkg.source_path).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      if (now instanceof Error) {
        states.set(pkg.id, isCasterpakError(now) && now.code === 'NOT_FOUND' ? 'missing' : 'ok');
        continue;
      }
      const same = now.sizeBytes === pkg.source_size && Math.trunc(now.mtimeMs) === pkg.source_mtime_ms;
      states.set(pkg.id, same ? 'ok' : 'changed');
    }
  };
  await Promise.all(Array.from({ length: Math.min(REMOTE_CONCURRENCY, packages.length) }, worker));
  return states;
}
