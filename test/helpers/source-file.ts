// A SourceFile for a path on disk, as the daemon's resolver would describe it.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SourceFile } from '../../daemon/source/resolve.js';

export async function sourceFileOf(absPath: string): Promise<SourceFile> {
  const stat = await fs.stat(absPath);
  return { absPath, relPath: path.basename(absPath), sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) };
}
