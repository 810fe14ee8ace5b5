// media_root as a local directory: sources resolved and opened below it, confined to it.

import { constants, promises as fs } from 'node:fs';
import { openSource } from './open-source.js';
import { confinedPathOf, resolveSource } from './resolve.js';
import type { Source } from './source.js';

export function localSource(mediaRoot: string): Source {
  return {
    kind: 'local',
    root: mediaRoot,
    resolve: (sourceRel) => resolveSource(mediaRoot, sourceRel),
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
