// `casterpakd setup`: the production install in one idempotent command (user, directories, config, nginx, schedule, check).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { Option, type Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig, validateConfig, type Config } from '../../config.js';
import { CasterpakError } from '../../errors.js';
import { renderNginxConfig } from '../../nginx/render.js';
import { packageRoot } from '../../package-root.js';
import { overridesFrom, withConfigOptions } from '../config-options.js';
import { EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import { CONFIG_FILE_KEYS, configText, cronText, exampleSiteText, shebangNodeFlags, shellWord, unitText, withSiteInclude } from '../setup/files.js';
import { account, DONE, ensureDir, ensureFile, ensureUser, runProgram, systemdIsInit, under, UNCHANGED, WOULD, type Account, type Outcome } from '../setup/system.js';
import { NGINX_FILES } from './nginx-config.js';

interface SetupOptions {
  root: string;
  dryRun?: boolean;
  user: string;
  site?: string;
  serverName: string;
  init: 'auto' | 'systemd' | 'cron';
  config?: string;
}

interface Step {
  readonly title: string;
  run(dryRun: boolean): Outcome;
}

const UNITS = ['casterpakd.service', 'casterpakd-prune.service', 'casterpakd-prune.timer'];
/** The schema's defaults of the keys every written config names. */
const DEFAULTS: Record<(typeof CONFIG_FILE_KEYS)[number], string> = {
  media_root: '/srv/media',
  cache_dir: '/var/cache/casterpak',
  state_dir: '/var/lib/casterpak',
  listen: '127.0.0.1:8081',
  access_log: '/var/log/nginx/casterpak.access.log',
};

/** The config to install: the flags over the defaults, or the existing file when no key is given. */
function desiredConfig(file: string, options: Record<string, unknown>): { text?: string; config: Config } {
  const flags = overridesFrom(options);
  if (Object.keys(flags).length === 0 && existsSync(file)) return { config: loadConfig({ configPath: file, env: {} }) };
  const text = configText({ ...DEFAULTS, ...flags });
  return { text, config: validateConfig(parseToml(text) as Record<string, unknown>) };
}

/** How units and cron start casterpakd: this Node.js with the entry point's `#!` flags, and the entry point, by their real paths (no PATH needed). */
function casterpakdCommand(): string[] {
  const entry = realpathSync(process.argv[1] ?? '');
  return [process.execPath, ...shebangNodeFlags(readFileSync(entry, 'utf8').split('\n', 1)[0]), entry];
}

function template(...parts: string[]): string {
  return readFileSync(path.join(packageRoot(), ...parts), 'utf8');
}

function ensureLink(target: string, link: string, dryRun: boolean): Outcome {
  if (existsSync(link)) return UNCHANGED;
  if (dryRun) return WOULD;
  symlinkSync(target, link);
  return DONE;
}

function nginxSteps(o: SetupOptions, config: Config): Step[] {
  const etc = under(o.root, '/etc/nginx');
  const rendered = renderNginxConfig(config);
  const steps: Step[] = [
    { title: `nginx http-level file ${path.join(etc, NGINX_FILES.http)}`, run: (dry) => ensureFile({ file: path.join(etc, NGINX_FILES.http), text: rendered.httpConf, mode: 0o644 }, dry) },
    { title: `nginx server-level snippet ${path.join(etc, NGINX_FILES.server)}`, run: (dry) => ensureFile({ file: path.join(etc, NGINX_FILES.server), text: rendered.serverConf, mode: 0o644 }, dry) },
  ];
  if (o.site !== undefined) {
    const site = under(o.root, o.site);
    steps.push({
      title: `include the snippet in the server blocks of ${site}`,
      run: (dry) => {
        const text = withSiteInclude(readFileSync(site, 'utf8'));
        if (text === undefined) throw new CasterpakError('CONFIG_INVALID', `setup: --site ${site} has no server { } block to add the include to`, { site });
        return ensureFile({ file: site, text, mode: 0o644 }, dry);
      },
    });
    return steps;
  }
  const available = path.join(etc, 'sites-available/casterpak');
  const example = exampleSiteText(template('nginx/sites-available/casterpak.example'), o.serverName);
  steps.push(
    { title: `nginx site ${available} (server_name ${o.serverName})`, run: (dry) => ensureFile({ file: available, text: example, mode: 0o644 }, dry) },
    { title: `enable it: ${path.join(etc, 'sites-enabled/casterpak')}`, run: (dry) => ensureLink('../sites-available/casterpak', path.join(etc, 'sites-enabled/casterpak'), dry) },
  );
  return steps;
}

function onHost(o: SetupOptions, title: string, file: string, args: string[]): Step {
  return {
    title,
    run: (dry) => {
      if (o.root !== '/') return { state: 'skipped', note: 'under --root' };
      if (dry) return WOULD;
      runProgram(file, args);
      return DONE;
    },
  };
}

/**
 * Without systemd nothing may have started nginx: Debian's package leaves it stopped in a container,
 * whose policy-rc.d forbids starting services. `nginx -s reload` then fails on the missing pid file, and
 * `nginx` starts it (it puts itself in the background).
 */
function reloadOrStartNginx(o: SetupOptions): Step {
  return {
    title: 'reload nginx (started if it was not running)',
    run: (dry) => {
      if (o.root !== '/') return { state: 'skipped', note: 'under --root' };
      if (dry) return WOULD;
      if (spawnSync('nginx', ['-s', 'reload'], { stdio: 'ignore' }).status === 0) return DONE;
      runProgram('nginx', []);
      return { state: 'done', note: 'it was not running: started' };
    },
  };
}

/** The daemon starts before nginx reloads, so no miss meets a missing upstream (a 502) in between. */
function scheduleSteps(o: SetupOptions, config: Config, configFile: string): Step[] {
  const schedule = { user: o.user, command: casterpakdCommand(), configFile, cacheDir: config.cacheDir, stateDir: config.stateDir };
  const systemd = o.init === 'systemd' || (o.init === 'auto' && systemdIsInit());
  const reload: Step = systemd ? onHost(o, 'reload nginx (started if it was not running)', 'systemctl', ['reload-or-restart', 'nginx']) : reloadOrStartNginx(o);
  const test = onHost(o, 'test the nginx config (nginx -t)', 'nginx', ['-t', '-q']);
  if (!systemd) {
    const cron = under(o.root, '/etc/cron.d/casterpakd');
    return [
      { title: `cron file ${cron} (prune every 5 minutes as ${o.user})`, run: (dry) => ensureFile({ file: cron, text: cronText(schedule), mode: 0o644 }, dry) },
      { title: 'start the daemon', run: () => ({ state: 'skipped', note: `systemd is not PID 1: start \`${['runuser', '-u', o.user, '--', ...schedule.command, 'serve', '--config', configFile].map(shellWord).join(' ')}\` under your supervisor` }) },
      test,
      reload,
    ];
  }
  const dir = under(o.root, '/etc/systemd/system');
  return [
    ...UNITS.map((unit) => ({ title: `systemd unit ${path.join(dir, unit)}`, run: (dry: boolean) => ensureFile({ file: path.join(dir, unit), text: unitText(template('systemd', unit), schedule), mode: 0o644 }, dry) })),
    onHost(o, 'systemctl daemon-reload', 'systemctl', ['daemon-reload']),
    onHost(o, 'start casterpakd.service and casterpakd-prune.timer', 'systemctl', ['enable', '--now', 'casterpakd.service', 'casterpakd-prune.timer']),
    test,
    reload,
  ];
}

interface Plan {
  readonly steps: Step[];
  /** The written config file, below --root. */
  readonly configFile: string;
  /** check means something only where the config's folders are where it runs: not for a packaging root. */
  readonly checkable: boolean;
}

function planSteps(o: SetupOptions & Record<string, unknown>): Plan {
  const configFile = o.config ?? DEFAULT_CONFIG_PATH;
  const rootedConfig = under(o.root, configFile);
  const { text, config } = desiredConfig(rootedConfig, o);
  const owner = (): Account => account(o.user) ?? { uid: -1, gid: -1, groups: [] };
  const steps: Step[] = [
    { title: `system user ${o.user} (group adm, to read nginx's logs)`, run: (dry) => ensureUser(o.user, config.stateDir, dry) },
    // A remote media_root (HTTP or S3) is not ours to create: check probes it instead.
    ...(path.isAbsolute(config.mediaRoot) ? [{ title: `media_root ${under(o.root, config.mediaRoot)}`, run: (dry: boolean) => ensureDir({ dir: under(o.root, config.mediaRoot), mode: 0o755 }, dry) }] : []),
    { title: `cache_dir ${under(o.root, config.cacheDir)} (0755 ${o.user})`, run: (dry) => ensureDir({ dir: under(o.root, config.cacheDir), mode: 0o755, owner: owner() }, dry) },
    { title: `state_dir ${under(o.root, config.stateDir)} (0750 ${o.user})`, run: (dry) => ensureDir({ dir: under(o.root, config.stateDir), mode: 0o750, owner: owner() }, dry) },
    { title: `access_log's folder ${under(o.root, path.dirname(config.accessLog))}`, run: (dry) => ensureDir({ dir: under(o.root, path.dirname(config.accessLog)), mode: 0o755 }, dry) },
    {
      title: `config ${rootedConfig}`,
      run: (dry) => (text === undefined ? { state: 'unchanged', note: 'kept as it is' } : ensureFile({ file: rootedConfig, text, mode: 0o644, keepChanged: true }, dry)),
    },
    ...nginxSteps(o, config),
    ...scheduleSteps(o, config, configFile),
  ];
  const checkable = [config.mediaRoot, config.cacheDir, config.stateDir].filter((dir) => path.isAbsolute(dir)).every((dir) => under(o.root, dir) === dir);
  return { steps, configFile: rootedConfig, checkable };
}

/** `casterpakd check` as the daemon's user: what it reports is what the daemon will meet. */
function checkAsUser(o: SetupOptions, configFile: string): number {
  const [node, ...rest] = casterpakdCommand();
  const args = [...rest, 'check', '--config', configFile];
  const asUser = process.getuid?.() === 0 ? ['runuser', ['-u', o.user, '--', node, ...args]] : [node, args];
  const result = spawnSync(asUser[0] as string, asUser[1] as string[], { encoding: 'utf8' });
  process.stdout.write(result.stdout.replace(/^/gm, '  ').replace(/ {2}$/, ''));
  process.stderr.write(result.stderr);
  return result.status === 0 ? EXIT_OK : EXIT_ERROR;
}

export async function runSetup(options: SetupOptions & Record<string, unknown>): Promise<number> {
  if (!options.dryRun && process.getuid?.() !== 0) {
    throw new CasterpakError('CONFIG_INVALID', 'setup creates a system user and writes below /etc: run it as root (sudo), or with --dry-run to see the steps', {});
  }
  const { steps, configFile, checkable } = planSteps(options);
  if (options.dryRun) process.stdout.write('dry run: nothing is changed\n');
  for (const step of steps) {
    const outcome = step.run(options.dryRun === true);
    process.stdout.write(`${outcome.state.padEnd(9)} ${step.title}${outcome.note ? ` (${outcome.note})` : ''}\n`);
  }
  const check = `casterpakd check as ${options.user}`;
  if (!checkable) {
    process.stdout.write(`skipped   ${check} (under --root, the config names folders outside it)\n`);
    return EXIT_OK;
  }
  if (options.dryRun) {
    process.stdout.write(`would     ${check}\n`);
    return EXIT_OK;
  }
  process.stdout.write(`run       ${check}\n`);
  return checkAsUser(options, configFile);
}

export function registerSetup(program: Command): void {
  const command = program
    .command('setup')
    .description('install for production: user, directories, config, nginx drop-ins and include, systemd units (or cron), then check')
    .option('--dry-run', 'print each step it would take; change nothing')
    .option('--root <dir>', 'write every file and directory below <dir> (tests, packaging); the user is still created on this host', '/')
    .option('--user <name>', "the daemon's system user", 'casterpak')
    .option('--site <file>', 'add the include line to the server blocks of this nginx site file, instead of installing sites-available/casterpak')
    .option('--server-name <name>', 'server_name of the installed site (without --site)', os.hostname())
    .addOption(new Option('--init <kind>', 'what runs the daemon and prune: systemd units, or a cron file where systemd is not PID 1').choices(['auto', 'systemd', 'cron']).default('auto'))
    .addHelpText('after', '\n--config names the config file to write (default /etc/casterpak/casterpakd.toml); key flags such as --media-root go into it.\nRun it again at any time: what is already so is left alone, and a config changed since is never overwritten.');
  withConfigOptions(command).action(async (options: SetupOptions & Record<string, unknown>) => {
    options.root = path.resolve(options.root);
    process.exitCode = await runSetup(options);
  });
}
