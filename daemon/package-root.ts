// Where the installed package lives (for nginx templates, the demo rendition, the player's scripts).

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The folder holding CasterPak's package.json, found upward from this file (works from daemon/ and dist/daemon/). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'casterpak') return (cached = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the casterpak package root');
    dir = parent;
  }
}

export function packageVersion(): string {
  return JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
}

/** The bundled demo rendition (`casterpakd demo` plays it; the daemon warms its packager on it at start-up). */
export const DEMO_RENDITION = 'casterpak-demo.mp4';

export function demoRenditionPath(): string {
  return path.join(packageRoot(), 'demo', DEMO_RENDITION);
}
