// `casterpakd check`: the config, the directories and the packager, each with a verdict; non-zero on any problem.

import { constants, promises as fs } from 'node:fs';
import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { resolveSocketGroup } from '../listen.js';
import { createPackager } from '../../packagers/index.js';
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
    return { ok: true, what, detail: dir };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? (mode & constants.W_OK ? 'is not writable' : 'is not readable') : code;
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

export async function runChecks(config: Config): Promise<CheckLine[]> {
  const lines: CheckLine[] = [{ ok: true, what: 'config', detail: `valid (mode ${config.mode}, packager ${config.packager})` }];
  lines.push(await checkDir('media_root', config.mediaRoot, constants.R_OK | constants.X_OK));
  lines.push(await checkDir('cache_dir', config.cacheDir, constants.W_OK | constants.X_OK));
  lines.push(await checkDir('state_dir', config.stateDir, constants.W_OK | constants.X_OK));
  const socketGroup = checkSocketGroup(config);
  if (socketGroup) lines.push(socketGroup);
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
