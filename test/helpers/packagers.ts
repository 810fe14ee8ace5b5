// Which packagers the end-to-end tests can run here: those that `casterpakd check` accepts.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_MAIN } from './daemon.js';

export type PackagerName = 'builtin' | 'mp42hls' | 'ffmpeg';

const ALL: PackagerName[] = ['builtin', 'ffmpeg', 'mp42hls'];

function checkAccepts(packager: PackagerName): boolean {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-check-'));
  try {
    const result = spawnSync(
      process.execPath,
      [CLI_MAIN, 'check', '--config', '/dev/null', '--packager', packager, '--media-root', scratch, '--cache-dir', scratch, '--state-dir', scratch],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    return new RegExp(`^ok\\s+packager ${packager}:`, 'm').test(result.stdout);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The packagers to run end to end: CASTERPAK_E2E_PACKAGERS (comma-separated) when set, else every
 * packager that `casterpakd check` finds usable on this machine.
 */
export function e2ePackagers(): PackagerName[] {
  const forced = process.env.CASTERPAK_E2E_PACKAGERS;
  if (forced) return forced.split(',').map((p) => p.trim()) as PackagerName[];
  return ALL.filter(checkAccepts);
}
