// Recording just-published cache files in SQLite, or taking them back: no file stays in the cache without its row.

import { unlinkCacheFile } from './publish.js';

/**
 * Runs `record` (the SQLite write for files just published). When it fails, for instance because another
 * process kept the database locked past `sqlite_lock_wait`, the files are unlinked before the error goes on:
 * the request fails as a whole, and the next miss packages them again.
 */
export async function recordOrUnpublish(cacheDir: string, cachePaths: readonly string[], record: () => Promise<unknown>): Promise<void> {
  try {
    await record();
  } catch (err) {
    await Promise.all(cachePaths.map((p) => unlinkCacheFile(cacheDir, p).catch(() => undefined)));
    throw err;
  }
}
