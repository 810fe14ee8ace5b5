// The keys of the `generations` table: what a packaging run in flight claims, made and read in one place.

import path from 'node:path';

/**
 * A run claims one key while it writes. A whole-rendition run (ffmpeg, mp42hls) claims its package, spelled
 * `pkg:<source path>`; every other run (one builtin segment or playlist, a master) claims the cache path it
 * writes. Cache paths start with the URL prefix's folder, never with `pkg:`, so the two cannot collide.
 * The single-flight keys of cache/single-flight.ts are another thing (they also name the source's identity).
 */
const PACKAGE_PREFIX = 'pkg:';

/** The key of a whole-rendition run of `sourceRel` (relative to media_root). */
export function packageGenerationKey(sourceRel: string): string {
  return `${PACKAGE_PREFIX}${sourceRel}`;
}

/** The key of a run that writes the one file at `cachePath` (relative to cache_dir). */
export function fileGenerationKey(cachePath: string): string {
  return cachePath;
}

/** The source a package key names, or undefined for a file key. */
export function sourceOfGenerationKey(key: string): string | undefined {
  return key.startsWith(PACKAGE_PREFIX) ? key.slice(PACKAGE_PREFIX.length) : undefined;
}

/** The cache-relative folder a run writes into; `top` is the URL prefix's folder (`i`). */
export function generationFolder(key: string, top: string): string {
  const source = sourceOfGenerationKey(key);
  return source === undefined ? path.posix.dirname(key) : `${top}/${source}`;
}
