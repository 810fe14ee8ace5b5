// Where a cache path lives on disk, where temporary files go, and how nginx is pointed at it.

import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';

/** Temporary files live here: same filesystem as the cache (so rename() is atomic), never matched by try_files. */
export const TMP_DIR_NAME = '.tmp';

export function cacheFileAbs(cacheDir: string, cachePath: string): string {
  return path.join(cacheDir, ...cachePath.split('/'));
}

export function tmpDirAbs(cacheDir: string): string {
  return path.join(cacheDir, TMP_DIR_NAME);
}

/** mkdir of one folder below cache_dir; cache_dir itself is made (through links: it is the operator's) if missing. */
function makeFolder(cacheDir: string, dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && path.resolve(path.dirname(dir)) === path.resolve(cacheDir)) {
      mkdirSync(cacheDir, { recursive: true });
      makeFolder(cacheDir, dir);
    } else if (code !== 'EEXIST') {
      throw err;
    }
  }
}

/**
 * Checks, with lstat, every folder from below `cacheDir` down to `relDir` (cache-relative, forward slashes):
 * 'ok' when all are real directories, 'missing' when one does not exist (made first when `create`).
 * A symbolic link or any other non-directory on the way throws CACHE_SYMLINK: nothing under cache_dir is
 * followed through a link, so no write, sweep or unlink can land outside the cache. `cacheDir` itself may be
 * a link (an operator's choice of where the cache lives). Synchronous, so that a publish can run it inside
 * the database transaction that records the file (a few lstat calls, microseconds).
 */
export function checkCacheFolders(cacheDir: string, relDir: string, create = false): 'ok' | 'missing' {
  let dir = cacheDir;
  for (const part of relDir.split('/').filter((p) => p !== '')) {
    dir = path.join(dir, part);
    let st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st && create) {
      makeFolder(cacheDir, dir);
      st = lstatSync(dir, { throwIfNoEntry: false });
    }
    if (!st) return 'missing';
    if (!st.isDirectory()) {
      throw new CasterpakError('CACHE_SYMLINK', `${dir} in cache_dir is not a directory (a symbolic link is never followed)`, { path: dir, symlink: st.isSymbolicLink() });
    }
  }
  return 'ok';
}

/**
 * The X-Accel-Redirect target: the internal prefix plus the cache path, each segment percent-encoded.
 * nginx decodes the redirect URI and splits it at `?` (docs/cache-and-log-rules.md#x-accel-encoding), so names must be encoded.
 */
export function xAccelRedirectUri(internalPrefix: string, cachePath: string): string {
  return internalPrefix + cachePath.split('/').map(encodeURIComponent).join('/');
}

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  // CMAF: init (.mp4) and media (.m4s) segments, and the DASH MPD.
  '.mp4': 'video/mp4',
  '.m4s': 'video/mp4',
  '.mpd': 'application/dash+xml',
  // Subtitles: WebVTT segments and whole files (always UTF-8, W3C WebVTT §4.1).
  '.vtt': 'text/vtt',
};

export function contentTypeOf(cachePath: string): string {
  return CONTENT_TYPES[path.extname(cachePath)] ?? 'application/octet-stream';
}

/** The on-disk size the cache cap counts: allocated blocks, not the apparent length (docs/cache-and-log-rules.md#disk-blocks). */
export function diskBytes(stat: { blocks: number; size: number }): number {
  return stat.blocks > 0 ? stat.blocks * 512 : stat.size;
}
