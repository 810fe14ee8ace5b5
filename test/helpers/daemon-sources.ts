// The daemon's own TypeScript sources, for the tests that read the code itself (layering, one home per rule).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DAEMON_DIR = fileURLToPath(new URL('../../daemon', import.meta.url));

/** Every .ts file below daemon/, relative to it with forward slashes. */
export function daemonFiles(dir = DAEMON_DIR): string[] {
  return readdirSync(dir).flatMap((name) => {
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) return daemonFiles(abs);
    return name.endsWith('.ts') ? [path.relative(DAEMON_DIR, abs).split(path.sep).join('/')] : [];
  });
}

/** The text of one daemon file, named as daemonFiles names it. */
export const daemonText = (file: string): string => readFileSync(path.join(DAEMON_DIR, file), 'utf8');
