// The texts `casterpakd setup` writes: the config file, the cron file, the systemd units and a site's include line (pure).

import { stringify } from 'smol-toml';

/** The keys every written config names, so the operator sees where everything lives. */
export const CONFIG_FILE_KEYS = ['media_root', 'cache_dir', 'state_dir', 'listen', 'access_log'] as const;

/** `{ media_root: …, 'prune.ttl': … }` → TOML with a `[prune]` table. */
export function configText(values: Readonly<Record<string, unknown>>): string {
  const nested: Record<string, Record<string, unknown> | unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const [head, tail] = key.split('.');
    if (tail === undefined) nested[head] = value;
    else ((nested[head] ??= {}) as Record<string, unknown>)[tail] = value;
  }
  return `# casterpakd's config, written by \`casterpakd setup\`; every key is in the README's configuration table.\n${stringify(nested)}\n`;
}

/** A shell word: left alone when it is plain, single-quoted otherwise. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The Node.js flags on an entry point's `#!` line (`#!/usr/bin/env -S node --flag …`): a unit or cron
 * line that names node itself, as setup's do, must repeat them (see cli/main.ts for why they are there).
 */
export function shebangNodeFlags(firstLine: string): string[] {
  const flags = /^#!\S*\benv -S node((?: --\S+)*)\s*$/.exec(firstLine)?.[1] ?? '';
  return flags.split(' ').filter((flag) => flag !== '');
}

export interface ScheduleValues {
  readonly user: string;
  /** The command that runs casterpakd, as words: `/usr/bin/node --flag… /usr/lib/node_modules/casterpak/dist/daemon/cli/main.js`. */
  readonly command: readonly string[];
  readonly configFile: string;
}

/** The command line prune runs with, as cron and the systemd timer start it. */
export function pruneCommand(v: ScheduleValues): string {
  return [...v.command, 'prune', '--quiet', '--config', v.configFile].map(shellWord).join(' ');
}

/**
 * /etc/cron.d/casterpakd: cron's own PATH is /usr/bin:/bin, so the command is named in full; the user
 * column runs it as the daemon's user; `--quiet` keeps cron from mailing a report every 5 minutes.
 */
export function cronText(v: ScheduleValues): string {
  return [
    '# casterpakd prune every 5 minutes, as the daemon\'s user. Written by `casterpakd setup`.',
    '# Quiet unless something needs a look: cron mails what a job prints.',
    'SHELL=/bin/sh',
    'PATH=/usr/bin:/bin',
    `*/5 * * * * ${v.user} ${pruneCommand(v)}`,
    '',
  ].join('\n');
}

export interface UnitValues extends ScheduleValues {
  readonly cacheDir: string;
  readonly stateDir: string;
}

/** The shipped unit with this install's user, command, config and directories. */
export function unitText(template: string, v: UnitValues): string {
  const command = v.command.map(shellWord).join(' ');
  return template
    .replace(/^User=.*$/m, `User=${v.user}`)
    .replace(/^Group=.*$/m, `Group=${v.user}`)
    .replace(/^ExecStart=\S+ (\w+) .*$/m, (_, sub: string) => `ExecStart=${command} ${sub}${sub === 'prune' ? ' --quiet' : ''} --config ${shellWord(v.configFile)}`)
    .replace(/^ReadWritePaths=.*$/m, `ReadWritePaths=${v.cacheDir} ${v.stateDir}`);
}

/** Debian's nginx.conf folder is the base of relative includes, so the same line works under any prefix. */
export const SITE_INCLUDE = 'include snippets/casterpak-server.conf;';

/**
 * A site file with the include line added at the top of each of its server blocks (commented-out blocks
 * are left alone). Unchanged when the file includes the snippet already, undefined when it has no server block.
 */
export function withSiteInclude(site: string): string | undefined {
  if (site.split('\n').some((line) => line.trim() === SITE_INCLUDE)) return site;
  const lines = site.split('\n');
  const out: string[] = [];
  let blocks = 0;
  for (const [i, line] of lines.entries()) {
    out.push(line);
    const open = /^(\s*)server\s*\{\s*(#.*)?$/.exec(line);
    if (!open) continue;
    blocks += 1;
    // Indented as the block's first line is (Debian's default site uses tabs).
    const indent = /^\s+/.exec(lines.slice(i + 1).find((l) => l.trim() !== '') ?? '')?.[0] ?? `${open[1]}    `;
    out.push(`${indent}# CasterPak's locations (added by \`casterpakd setup\`).`, `${indent}${SITE_INCLUDE}`);
  }
  return blocks === 0 ? undefined : out.join('\n');
}

/** The shipped example site with this host's name. */
export function exampleSiteText(template: string, serverName: string): string {
  return template.replace(/^(\s*server_name)\s+[^;]+;/m, `$1 ${serverName};`);
}
