// Starts the built daemon (`node dist/daemon/cli/main.js serve --config …`) on temp directories, and stops it.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../daemon/config.js';
import { assertDistFresh } from './compiled.js';
import { request, type HttpResponse } from './http.js';
import { freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from './processes.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The compiled CLI: call assertDistFresh() before running it (startDaemon does). */
export const CLI_MAIN = path.join(REPO_ROOT, 'dist/daemon/cli/main.js');

export interface DaemonOptions {
  mode?: 'nginx' | 'standalone';
  packager?: 'builtin' | 'mp42hls' | 'ffmpeg';
  /** `tcp` (a free loopback port) or `unix` (a socket in the temp root). */
  listen?: 'tcp' | 'unix';
  segmentDurationSec?: number;
  /** Further config keys, written to the TOML file as given (`packaging_timeout: '30s'`). */
  extra?: Record<string, string | number | boolean>;
  /** Further environment variables for the daemon (`NODE_OPTIONS`). */
  env?: Record<string, string>;
}

export interface Healthz {
  status: string;
  requests: number;
  misses: number;
  packagerRuns: number;
  [key: string]: unknown;
}

export interface RunningDaemon {
  /** The temp directory holding media/, cache/, state/, log/ and the config file. */
  root: string;
  mediaRoot: string;
  cacheDir: string;
  stateDir: string;
  configPath: string;
  /** The config exactly as the daemon loads it (no CASTERPAK_* variables). */
  config: Config;
  /** GET on the daemon itself (TCP or unix socket), bypassing nginx. */
  get(rawPath: string, headers?: Record<string, string>): Promise<HttpResponse>;
  healthz(): Promise<Healthz>;
  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string;
  /** The daemon's own pid (for /proc/<pid>/status and /proc/<pid>/fd). */
  pid(): number;
  /** SIGTERM, then SIGKILL of its process group after 5 s; the directories stay. */
  stop(): Promise<void>;
  /** Starts it again on the same config and directories. */
  restart(): Promise<void>;
  /** Stops it and removes the temp directory. */
  dispose(): Promise<void>;
}

function tomlValue(value: string | number | boolean): string {
  // JSON string escapes are valid TOML basic-string escapes.
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** An environment without CASTERPAK_* variables, so that only the config file speaks. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CASTERPAK_')));
}

async function writeConfig(root: string, options: DaemonOptions): Promise<string> {
  const listen = options.listen === 'unix' ? `unix:${path.join(root, 'casterpakd.sock')}` : `127.0.0.1:${await freePort()}`;
  const keys: Record<string, string | number | boolean> = {
    media_root: path.join(root, 'media'),
    cache_dir: path.join(root, 'cache'),
    state_dir: path.join(root, 'state'),
    access_log: path.join(root, 'log', 'casterpak.access.log'),
    listen,
    mode: options.mode ?? 'nginx',
    packager: options.packager ?? 'ffmpeg',
    segment_duration: options.segmentDurationSec ?? 2,
    log_level: 'info',
    ...options.extra,
  };
  const configPath = path.join(root, 'casterpakd.toml');
  writeFileSync(configPath, Object.entries(keys).map(([k, v]) => `${k} = ${tomlValue(v)}\n`).join(''));
  return configPath;
}

/** Under the guard, in its own process group: a packager it started (ffmpeg) goes down with it. */
async function spawnDaemon(configPath: string, sink: { text: string }, env: Record<string, string> = {}): Promise<GuardedProcess> {
  const proc = await spawnGuarded(process.execPath, [CLI_MAIN, 'serve', '--config', configPath], { env: { ...cleanEnv(), ...env } });
  proc.guard.stdout?.on('data', (d: Buffer) => (sink.text += d.toString()));
  proc.guard.stderr?.on('data', (d: Buffer) => (sink.text += d.toString()));
  return proc;
}

async function stopDaemon(proc: GuardedProcess | undefined): Promise<void> {
  if (proc) await stopGuarded(proc, [['SIGTERM', 5_000]]);
}

/** Creates the temp directories and config, starts the daemon, and resolves when /healthz answers 200. */
export async function startDaemon(options: DaemonOptions = {}): Promise<RunningDaemon> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(options);
    } catch (err) {
      // The free port was taken between the probe and the daemon's bind: try another.
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(options: DaemonOptions): Promise<RunningDaemon> {
  assertDistFresh();
  const root = mkdtempSync(path.join(os.tmpdir(), 'casterpak-daemon-'));
  for (const dir of ['media', 'cache', 'state', 'log']) mkdirSync(path.join(root, dir));
  const configPath = await writeConfig(root, options);
  const config = loadConfig({ configPath, env: {} });
  const target = config.listen.kind === 'unix' ? { socketPath: config.listen.path } : { port: config.listen.port };
  const sink = { text: '' };
  let proc: GuardedProcess | undefined;

  const get = (rawPath: string, headers?: Record<string, string>) => request({ ...target, path: rawPath, headers });
  const healthz = async (): Promise<Healthz> => {
    const res = await get('/healthz');
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}: ${res.text()}`);
    return JSON.parse(res.text()) as Healthz;
  };
  const start = async () => {
    const started = await spawnDaemon(configPath, sink, options.env);
    proc = started;
    await waitFor(`the daemon's /healthz (output: ${sink.text})`, async () => {
      if (started.guard.exitCode !== null) throw new Error(`the daemon exited: ${sink.text}`);
      return healthz();
    }, 20_000);
  };

  const daemon: RunningDaemon = {
    root,
    mediaRoot: config.mediaRoot,
    cacheDir: config.cacheDir,
    stateDir: config.stateDir,
    configPath,
    config,
    get,
    healthz,
    output: () => sink.text,
    pid: () => {
      if (!proc) throw new Error('the daemon is not running');
      return proc.pid;
    },
    stop: () => stopDaemon(proc),
    async restart() {
      await stopDaemon(proc);
      await start();
    },
    async dispose() {
      await stopDaemon(proc);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (err) {
    await daemon.dispose();
    throw err;
  }
  return daemon;
}
