// The host side of `casterpakd setup`: paths under --root, users, directories and files, each idempotent and dry-runnable.

import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../../errors.js';

/** What one step did: `done` (changed the host), `unchanged` (already so), `would` (dry run), `skipped` (and why). */
export interface Outcome {
  readonly state: 'done' | 'unchanged' | 'would' | 'skipped';
  readonly note?: string;
}

export const DONE: Outcome = { state: 'done' };
export const UNCHANGED: Outcome = { state: 'unchanged' };
export const WOULD: Outcome = { state: 'would' };

/** A path of the installed system below --root. A path already below the root is taken as it is. */
export function under(root: string, p: string): string {
  if (root === '/' || p === root || p.startsWith(`${root}/`)) return p;
  return path.join(root, p);
}

/** Runs a program; a failure stops setup with its output. */
export function runProgram(file: string, args: readonly string[]): string {
  const result = spawnSync(file, args, { encoding: 'utf8' });
  if (result.error) throw new CasterpakError('CONFIG_INVALID', `setup: cannot run ${file}: ${result.error.message}`, { file });
  if (result.status !== 0) {
    throw new CasterpakError('CONFIG_INVALID', `setup: ${[file, ...args].join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`, { file, args });
  }
  return result.stdout;
}

export interface Account {
  readonly uid: number;
  readonly gid: number;
  readonly groups: readonly string[];
}

export function account(user: string): Account | undefined {
  const passwd = spawnSync('getent', ['passwd', user], { encoding: 'utf8' });
  if (passwd.status !== 0) return undefined;
  const [, , uid, gid] = passwd.stdout.trim().split(':');
  const groups = spawnSync('id', ['-nG', user], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  return { uid: Number(uid), gid: Number(gid), groups };
}

/**
 * A system user with its own group, in group adm: nginx's logs become `0640 www-data:adm` at their first
 * rotation (Debian's logrotate), and the daemon must keep reading them.
 */
export function ensureUser(user: string, homeDir: string, dryRun: boolean): Outcome {
  const existing = account(user);
  if (existing?.groups.includes('adm')) return UNCHANGED;
  if (dryRun) return WOULD;
  if (existing) runProgram('usermod', ['--append', '--groups', 'adm', user]);
  else runProgram('useradd', ['--system', '--user-group', '--groups', 'adm', '--home-dir', homeDir, '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
  return DONE;
}

export interface DirSpec {
  readonly dir: string;
  readonly mode: number;
  /** Owned by the daemon's user; otherwise left to its creator (root). */
  readonly owner?: Account;
}

/** Creates a directory, or brings an existing one to its owner and mode. */
export function ensureDir(spec: DirSpec, dryRun: boolean): Outcome {
  const stat = existsSync(spec.dir) ? statSync(spec.dir) : undefined;
  if (stat && !stat.isDirectory()) throw new CasterpakError('CONFIG_INVALID', `setup: ${spec.dir} exists and is not a directory`, { dir: spec.dir });
  const ownerOk = !spec.owner || (stat?.uid === spec.owner.uid && stat.gid === spec.owner.gid);
  if (stat && ownerOk && (stat.mode & 0o7777) === spec.mode) return UNCHANGED;
  if (stat && !spec.owner) return { state: 'unchanged', note: `mode ${(stat.mode & 0o7777).toString(8)} left as it is` };
  if (dryRun) return WOULD;
  mkdirSync(spec.dir, { recursive: true });
  if (spec.owner) chownSync(spec.dir, spec.owner.uid, spec.owner.gid);
  chmodSync(spec.dir, spec.mode);
  return DONE;
}

export interface FileSpec {
  readonly file: string;
  readonly text: string;
  readonly mode: number;
  /** An existing file with other content is an error instead of being replaced (the operator's config). */
  readonly keepChanged?: boolean;
}

/** Writes a file through a temporary name and a rename, so nginx or cron never reads half of it. */
export function ensureFile(spec: FileSpec, dryRun: boolean): Outcome {
  const current = existsSync(spec.file) ? readFileSync(spec.file, 'utf8') : undefined;
  if (current === spec.text) return UNCHANGED;
  if (current !== undefined && spec.keepChanged) {
    throw new CasterpakError(
      'CONFIG_INVALID',
      `setup: ${spec.file} exists with other content; it is left as it is. Run setup without config flags to keep it, or edit it by hand.`,
      { file: spec.file },
    );
  }
  if (dryRun) return current === undefined ? WOULD : { state: 'would', note: 'replacing the current file' };
  mkdirSync(path.dirname(spec.file), { recursive: true });
  const tmp = `${spec.file}.casterpak-new`;
  writeFileSync(tmp, spec.text, { mode: spec.mode });
  chmodSync(tmp, spec.mode);
  renameSync(tmp, spec.file);
  return DONE;
}

/** systemd is the init system only when it runs as PID 1, which it marks by creating this folder. */
export function systemdIsInit(): boolean {
  return existsSync('/run/systemd/system');
}
