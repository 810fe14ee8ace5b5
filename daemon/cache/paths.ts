// Where a cache path lives on disk, where temporary files go, and how nginx is pointed at it.

import path from 'node:path';

/** Temporary files live here: same filesystem as the cache (so rename() is atomic), never matched by try_files. */
export const TMP_DIR_NAME = '.tmp';

export function cacheFileAbs(cacheDir: string, cachePath: string): string {
  return path.join(cacheDir, ...cachePath.split('/'));
}

export function tmpDirAbs(cacheDir: string): string {
  return path.join(cacheDir, TMP_DIR_NAME);
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
};

export function contentTypeOf(cachePath: string): string {
  return CONTENT_TYPES[path.extname(cachePath)] ?? 'application/octet-stream';
}

/** The on-disk size the cache cap counts: allocated blocks, not the apparent length (docs/cache-and-log-rules.md#disk-blocks). */
export function diskBytes(stat: { blocks: number; size: number }): number {
  return stat.blocks > 0 ? stat.blocks * 512 : stat.size;
}
