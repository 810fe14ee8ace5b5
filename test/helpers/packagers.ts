// Which packagers the end-to-end tests run here, with the config each needs, and why any other is not run.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';
import { assertDistFresh } from './compiled.js';
import { CLI_MAIN, REPO_ROOT } from './daemon.js';

export type PackagerName = 'builtin' | 'mp42hls' | 'ffmpeg';

const ALL: PackagerName[] = ['builtin', 'ffmpeg', 'mp42hls'];

/** Bento4's mp42hls is rarely installed: its stand-in takes the same command line and packages with ffmpeg. */
export const MP42HLS_STAND_IN = path.join(REPO_ROOT, 'test/fixtures/bin/mp42hls');

export interface E2ePackager {
  name: PackagerName;
  /** How test names call it: the name, and what stands in for the tool when it is not the real one. */
  label: string;
  /** Config keys it needs besides `packager` (`mp42hls_path` for the stand-in). */
  keys: Record<string, string>;
}

export interface SkippedPackager {
  label: string;
  reason: string;
}

export interface PackagerPlan {
  run: E2ePackager[];
  skipped: SkippedPackager[];
}

/** `casterpakd check`'s line for the packager: `ok    packager mp42hls: <version>` or `FAIL  packager …: <reason>`. */
function checkLine(packager: PackagerName, keys: Record<string, string>): string {
  assertDistFresh();
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-check-'));
  try {
    const flags = Object.entries(keys).flatMap(([key, value]) => [`--${key.replace(/_/g, '-')}`, value]);
    const result = spawnSync(
      process.execPath,
      [CLI_MAIN, 'check', '--config', '/dev/null', '--packager', packager, ...flags, '--media-root', scratch, '--cache-dir', scratch, '--state-dir', scratch],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
    );
    const line = new RegExp(`^(ok|FAIL)\\s+packager ${packager}:.*$`, 'm').exec(result.stdout);
    return line ? line[0] : `FAIL  packager ${packager}: check printed no verdict (${result.stdout}${result.stderr})`.trim();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const accepted = (line: string) => line.startsWith('ok');

/** mp42hls itself when installed, else its stand-in (recorded as a skip of the real tool), else a skip. */
function planMp42hls(plan: PackagerPlan): void {
  const real = checkLine('mp42hls', {});
  if (accepted(real)) {
    plan.run.push({ name: 'mp42hls', label: 'mp42hls', keys: {} });
    return;
  }
  plan.skipped.push({ label: 'mp42hls (Bento4 itself)', reason: `not installed here (${real}); the stand-in test/fixtures/bin/mp42hls runs instead` });
  const keys = { mp42hls_path: MP42HLS_STAND_IN };
  const standIn = checkLine('mp42hls', keys);
  if (accepted(standIn)) plan.run.push({ name: 'mp42hls', label: 'mp42hls (test stand-in)', keys });
  else plan.skipped.push({ label: 'mp42hls (test stand-in)', reason: standIn });
}

let cached: PackagerPlan | undefined;

/**
 * The packagers to run end to end and those left out, each with its reason: CASTERPAK_E2E_PACKAGERS
 * (comma-separated) narrows the list; a packager `casterpakd check` refuses here is left out.
 */
export function e2ePackagerPlan(): PackagerPlan {
  if (cached) return cached;
  const forced = process.env.CASTERPAK_E2E_PACKAGERS?.split(',').map((p) => p.trim()).filter(Boolean);
  const plan: PackagerPlan = { run: [], skipped: [] };
  for (const name of ALL) {
    if (forced && !forced.includes(name)) {
      plan.skipped.push({ label: name, reason: `not in CASTERPAK_E2E_PACKAGERS=${forced.join(',')}` });
    } else if (name === 'mp42hls') {
      planMp42hls(plan);
    } else {
      const line = checkLine(name, {});
      if (accepted(line)) plan.run.push({ name, label: name, keys: {} });
      else plan.skipped.push({ label: name, reason: line });
    }
  }
  cached = plan;
  return plan;
}

/** The packagers to run end to end here (see e2ePackagerPlan). */
export function e2ePackagers(): E2ePackager[] {
  return e2ePackagerPlan().run;
}

/**
 * One skipped test per packager the suite does not run, its reason in the skip note and printed, so
 * that the output says what was left out instead of the suite shrinking silently.
 */
export function reportSkippedPackagers(suite: string): void {
  const { skipped } = e2ePackagerPlan();
  if (skipped.length === 0) return;
  describe(`${suite}: packagers not run here`, () => {
    for (const { label, reason } of skipped) {
      it(`${label} is not run`, (ctx) => {
        // Printed as well: the default reporter lists skipped tests only by count.
        console.warn(`${suite}: packager ${label} is not run: ${reason}`);
        ctx.skip(reason);
      });
    }
  });
}
