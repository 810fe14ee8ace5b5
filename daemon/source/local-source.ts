// media_root as a local directory: sources resolved and opened below it, confined to it.

import { constants, promises as fs } from 'node:fs';
import { openSource } from './open-source.js';
import { confinedPathOf, resolveSource, resolveSourceSync, type SourceFile } from './resolve.js';
import type { Source } from './source.js';

/**
 * How long after a source was resolved its path is looked up again on this thread. Each of the three
 * lookups (media_root's real path, the source's, its stat) through libuv's pool costs a hand-off to a pool
 * thread and back, 13-26 us of CPU each measured alone and more on a loaded machine; on this thread, with
 * the entries in the kernel's memory, about 2 us. A source not resolved for this long, or never, is looked up through the pool, where a
 * lookup that must reach the disk blocks no request. The answer is never reused: every resolve looks again.
 */
const WARM_MS = 60_000;
const MAX_WARM_SOURCES = 1024;

/** Sources resolved lately (sourceRel → when), oldest first. */
class WarmPaths {
  private readonly lastMs = new Map<string, number>();

  isWarm(sourceRel: string): boolean {
    const atMs = this.lastMs.get(sourceRel);
    return atMs !== undefined && Date.now() - atMs < WARM_MS;
  }

  touch(sourceRel: string): void {
    this.lastMs.delete(sourceRel);
    this.lastMs.set(sourceRel, Date.now());
    if (this.lastMs.size > MAX_WARM_SOURCES) this.lastMs.delete(this.lastMs.keys().next().value as string);
  }

  forget(sourceRel: string): void {
    this.lastMs.delete(sourceRel);
  }
}

export function localSource(mediaRoot: string): Source {
  const warm = new WarmPaths();
  const resolve = async (sourceRel: string): Promise<SourceFile> => {
    try {
      const file = warm.isWarm(sourceRel) ? resolveSourceSync(mediaRoot, sourceRel) : await resolveSource(mediaRoot, sourceRel);
      warm.touch(sourceRel);
      return file;
    } catch (err) {
      warm.forget(sourceRel);
      throw err;
    }
  };
  return {
    kind: 'local',
    root: mediaRoot,
    resolve,
    open: (sourceRel, resolved) => openSource(mediaRoot, sourceRel, {}, resolved?.relPath === sourceRel ? confinedPathOf(resolved) : undefined),
    async probe() {
      try {
        await fs.access(mediaRoot, constants.R_OK | constants.X_OK);
      } catch (err) {
        throw new Error(`cannot read the directory ${mediaRoot} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      return `directory ${mediaRoot}`;
    },
    close: async () => undefined,
  };
}
