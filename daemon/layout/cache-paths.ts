// Where a rendition's files live below cache_dir, and which cache path a request URI or a file names (pure).
//
// A cache path is the decoded URL path without its leading slash: nginx's try_files finds the file at
// the URL's own path below cache_dir, so the URL and the cache tree have one layout.

import path from 'node:path';
import { CMAF_DIR } from './cmaf-files.js';
import { fileNameOf, type RenditionFile } from './rendition-files.js';

/** `/i/` → `i`: the cache's own tree; nothing outside it is ever adopted or removed. */
export function prefixDir(urlPrefix: string): string {
  return urlPrefix.replace(/^\/+|\/+$/g, '');
}

/** The cache folder of a rendition, relative to cache_dir, with a trailing slash: `i/2022/clip.mp4/`. */
export function renditionCacheDir(urlPrefix: string, sourceRel: string): string {
  return `${urlPrefix.slice(1)}${sourceRel}/`;
}

/** One file of a rendition, relative to cache_dir: `i/2022/clip.mp4/segment1_0_av.ts`. */
export function renditionFilePath(urlPrefix: string, sourceRel: string, file: RenditionFile): string {
  return `${renditionCacheDir(urlPrefix, sourceRel)}${fileNameOf(file)}`;
}

/**
 * `i/dir/clip.mp4/segment1_0_av.ts` → `dir/clip.mp4`: the folder a cache file lies in, below the prefix,
 * which is the rendition's source path when the file belongs to a rendition. A CMAF file lies one
 * folder deeper (`i/dir/clip.mp4/cmaf/video_1.m4s`) and belongs to the same rendition.
 */
export function sourceOfCachePath(cachePath: string, urlPrefix: string): string {
  const dir = path.posix.dirname(cachePath.slice(prefixDir(urlPrefix).length + 1));
  return dir.endsWith(`/${CMAF_DIR}`) ? dir.slice(0, -CMAF_DIR.length - 1) : dir;
}

/**
 * `$request_uri` (what the player asked for, with its query) → the cache path relative to cache_dir, or
 * undefined when it cannot name a cache file. Decoded once, as nginx does before `try_files`; repeated
 * slashes merged (nginx `merge_slashes on`); dot segments and NUL refused, as the daemon refuses them.
 */
export function cachePathOfRequestUri(requestUri: string, urlPrefix: string): string | undefined {
  const queryAt = requestUri.indexOf('?');
  const raw = queryAt === -1 ? requestUri : requestUri.slice(0, queryAt);
  let decoded: string;
  try {
    decoded = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined;
  }
  if (decoded.includes('//')) decoded = decoded.replace(/\/{2,}/g, '/');
  if (!decoded.startsWith(urlPrefix) || decoded.length === urlPrefix.length) return undefined;
  if (decoded.includes('\0') || decoded.endsWith('/')) return undefined;
  if (/\/\.\.?(?:\/|$)/.test(decoded)) return undefined;
  return decoded.slice(1);
}
