// CasterPak as a user runs it, from dist/: `casterpakd serve` (builtin packager) behind a real nginx with the drop-in.

import { promises as fs, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shebangNodeFlags } from '../../daemon/cli/setup/files.js';
import { loadConfig } from '../../daemon/config.js';
import { packageRoot } from '../../daemon/package-root.js';
import { get } from '../helpers/http.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from '../helpers/processes.js';

/** Run from dist/test/bench/: the compiled CLI beside it. */
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../daemon/cli/main.js');

export interface CasterpakStack {
  mediaRoot: string;
  /** nginx's port: every request goes through the drop-in, as in production. */
  port: number;
  daemonPid(): number;
  nginxMasterPid: number;
  /** Stops the daemon and starts it again on the same config and cache (nginx stays). */
  restartDaemon(): Promise<void>;
  dispose(): Promise<void>;
}

/** The NODE_OPTIONS the systemd unit gives the daemon, so that the benchmark runs it as deployed. */
function unitNodeOptions(): string {
  const unit = readFileSync(path.join(packageRoot(), 'systemd', 'casterpakd.service'), 'utf8');
  return /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1] ?? '';
}

/** The Node.js flags on the CLI's `#!` line, which a command naming node itself repeats (as `casterpakd setup` does). */
export function cliNodeFlags(): string[] {
  return shebangNodeFlags(readFileSync(CLI, 'utf8').split('\n', 1)[0]);
}

/** The daemon's environment: no CASTERPAK_* variable (the config file alone speaks), production mode, the unit's NODE_OPTIONS. */
function daemonEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CASTERPAK_')));
  return { ...env, NODE_ENV: 'production', NODE_OPTIONS: unitNodeOptions() };
}

async function writeConfig(root: string, segmentDurationSec: number): Promise<string> {
  const dir = (name: string) => path.join(root, name);
  for (const name of ['media', 'cache', 'state', 'log']) await fs.mkdir(dir(name));
  const keys = {
    media_root: dir('media'),
    cache_dir: dir('cache'),
    state_dir: dir('state'),
    access_log: path.join(dir('log'), 'casterpak.access.log'),
    listen: `127.0.0.1:${await freePort()}`,
    mode: 'nginx',
    packager: 'builtin',
    segment_duration: segmentDurationSec,
    log_level: 'warn',
  };
  const configPath = dir('casterpakd.toml');
  await fs.writeFile(configPath, Object.entries(keys).map(([k, v]) => `${k} = ${JSON.stringify(v)}\n`).join(''));
  return configPath;
}

async function startDaemon(configPath: string, port: number): Promise<GuardedProcess> {
  let output = '';
  // node with the flags of the CLI's own `#!` line, as the units setup writes run it.
  const proc = await spawnGuarded(process.execPath, [...cliNodeFlags(), CLI, 'serve', '--config', configPath], { env: daemonEnv() });
  proc.guard.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor('the daemon\'s /healthz', async () => {
    if (proc.guard.exitCode !== null) throw new Error(`the daemon exited: ${output}`);
    return (await get(port, '/healthz').catch(() => undefined))?.status === 200 ? true : undefined;
  }, 20_000);
  return proc;
}

export async function startCasterpakStack(segmentDurationSec: number): Promise<CasterpakStack> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'casterpak-bench-stack-'));
  const configPath = await writeConfig(root, segmentDurationSec);
  const config = loadConfig({ configPath, env: {} });
  if (config.listen.kind !== 'tcp') throw new Error('expected a TCP listen address');
  const daemonPort = config.listen.port;
  let daemon: GuardedProcess | undefined;
  let nginx: RunningNginx | undefined;
  const stopDaemon = async () => {
    if (daemon) await stopGuarded(daemon, [['SIGTERM', 5_000]]);
  };
  const dispose = async () => {
    await nginx?.stop();
    await stopDaemon();
    rmSync(root, { recursive: true, force: true });
  };
  try {
    daemon = await startDaemon(configPath, daemonPort);
    nginx = await startNginx({ config, workerProcesses: 1 });
  } catch (err) {
    await dispose();
    throw err;
  }
  const front = nginx;
  return {
    mediaRoot: config.mediaRoot,
    port: front.port,
    nginxMasterPid: front.pid,
    daemonPid: () => daemon!.pid,
    async restartDaemon() {
      await stopDaemon();
      daemon = await startDaemon(configPath, daemonPort);
    },
    dispose,
  };
}
