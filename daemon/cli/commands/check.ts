// `casterpakd check`: the config, the directories, the access log and the packager, each tried as the user running it; non-zero on any problem.

import { constants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { resolveSocketGroup } from '../listen.js';
import { createPackager } from '../../packagers/index.js';
import { createSource } from '../../source/create-source.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';

export interface CheckLine {
  readonly ok: boolean;
  readonly what: string;
  readonly detail: string;
}

async function checkDir(what: string, dir: string, mode: number): Promise<CheckLine> {
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) return { ok: false, what, detail: `${dir} is not a directory` };
    await fs.access(dir, mode);
    // access(2) trusts permission bits; creating something finds a read-only mount or a refusing ACL too.
    if (mode & constants.W_OK) await fs.rmdir(await fs.mkdtemp(path.join(dir, '.casterpak-check-')));
    return { ok: true, what, detail: dir };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EROFS' || code === 'EPERM' ? (mode & constants.W_OK ? 'is not writable' : 'is not readable') : code;
    return { ok: false, what, detail: `${dir} ${reason}` };
  }
}

/** A unix socket's group must exist, and the daemon's user must belong to it to hand the socket over. */
function checkSocketGroup(config: Config): CheckLine | undefined {
  if (config.listen.kind !== 'unix') return undefined;
  const what = 'socket_group';
  try {
    const gid = resolveSocketGroup(config.socketGroup);
    const member = process.getuid?.() === 0 || process.getgid?.() === gid || (process.getgroups?.() ?? []).includes(gid);
    const name = config.socketGroup || 'the primary group';
    if (!member) return { ok: false, what, detail: `this user is not a member of ${name} (gid ${gid}), so it cannot give the socket that group` };
    return { ok: true, what, detail: `${name} (gid ${gid}), mode ${config.socketMode.toString(8).padStart(4, '0')}: nginx's user must be a member` };
  } catch (err) {
    return { ok: false, what, detail: (err as Error).message.replace(/^socket_group: /, '') };
  }
}

/** The access log as this user: nginx may not have created it yet (fine, its folder must then be searchable). */
async function checkAccessLog(file: string): Promise<CheckLine> {
  const what = 'access_log';
  try {
    const handle = await fs.open(file, 'r');
    await handle.close();
    return { ok: true, what, detail: `${file} (readable)` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const dir = await checkDir(what, path.dirname(file), constants.X_OK);
      return dir.ok ? { ok: true, what, detail: `${file} (not created yet: nginx creates it when it loads the drop-in)` } : dir;
    }
    const hint = code === 'EACCES' ? `is not readable by ${userName()} (nginx's logs are group adm: add the user to it)` : `cannot be opened: ${code}`;
    return { ok: false, what, detail: `${file} ${hint}` };
  }
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.()}`;
  }
}

/** media_root: a readable directory, or a remote source that answers (listed or HEADed), in one line either way. */
async function checkSource(config: Config): Promise<CheckLine> {
  if (path.isAbsolute(config.mediaRoot)) return checkDir('media_root', config.mediaRoot, constants.R_OK | constants.X_OK);
  const source = createSource(config);
  try {
    return { ok: true, what: 'media_root', detail: `${await source.probe()} answers` };
  } catch (err) {
    return { ok: false, what: 'media_root', detail: `${config.mediaRoot} cannot be read: ${(err as Error).message}` };
  } finally {
    await source.close();
  }
}

export async function runChecks(config: Config): Promise<CheckLine[]> {
  const lines: CheckLine[] = [{ ok: true, what: 'config', detail: `valid (mode ${config.mode}, packager ${config.packager})` }];
  lines.push(await checkSource(config));
  lines.push(await checkDir('cache_dir', config.cacheDir, constants.W_OK | constants.X_OK));
  lines.push(await checkDir('state_dir', config.stateDir, constants.W_OK | constants.X_OK));
  const socketGroup = checkSocketGroup(config);
  if (socketGroup) lines.push(socketGroup);
  if (config.mode === 'nginx') lines.push(await checkAccessLog(config.accessLog));
  try {
    const version = await createPackager(config).probe();
    lines.push({ ok: true, what: `packager ${config.packager}`, detail: version });
  } catch (err) {
    lines.push({ ok: false, what: `packager ${config.packager}`, detail: (err as Error).message });
  }
  return lines;
}

export function registerCheck(program: Command): void {
  withConfigOptions(program.command('check').description('validate the config, directories and packager; exit 1 on any problem')).action(
    async (options: Record<string, unknown>) => {
      const lines = await runChecks(configFromOptions(options));
      for (const line of lines) process.stdout.write(`${line.ok ? 'ok  ' : 'FAIL'}  ${line.what}: ${line.detail}\n`);
      process.exitCode = lines.every((l) => l.ok) ? 0 : 1;
    },
  );
}
