// Starts Debian's real nginx on a loopback port with a generated nginx.conf that includes the rendered drop-in.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../daemon/config.js';
import { renderNginxConfig } from '../../daemon/nginx/render.js';
import { childPids, freePort, isAlive, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from './processes.js';

export const NGINX_BIN = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

export interface NginxOptions {
  /** The daemon's config: the drop-in is rendered from it, and its access_log is the log to read. */
  config: Config;
  /** Directives added inside the test's `server {}` block, after the drop-in. */
  extraServer?: string;
  /** Directives added at the `http {}` level. */
  extraHttp?: string;
  workerProcesses?: number | 'auto';
}

export interface RunningNginx {
  port: number;
  /** The master process. */
  pid: number;
  baseUrl: string;
  /** nginx's prefix directory: nginx.conf, the rendered drop-in, pid, error log and temp paths. */
  prefixDir: string;
  confPath: string;
  accessLogPath: string;
  errorLogPath: string;
  /** SIGHUP; resolves when every worker of the old configuration has gone and new ones run. */
  reload(): Promise<void>;
  /** SIGUSR1; resolves when the master and every worker hold the file now at accessLogPath. */
  reopenLogs(): Promise<void>;
  /** Graceful stop (SIGQUIT), then SIGTERM, then SIGKILL of the whole process group. */
  stop(): Promise<void>;
}

export interface GeneratedConf {
  prefixDir: string;
  confPath: string;
  errorLogPath: string;
}

/** Writes nginx.conf and the rendered drop-in into a new temp prefix directory (no process started). */
export function writeNginxConf(options: NginxOptions & { port: number }): GeneratedConf {
  const prefixDir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-nginx-'));
  const rendered = renderNginxConfig(options.config);
  writeFileSync(path.join(prefixDir, 'casterpak-http.conf'), rendered.httpConf);
  writeFileSync(path.join(prefixDir, 'casterpak-server.conf'), rendered.serverConf);
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(prefixDir, 'temp', dir), { recursive: true });
  mkdirSync(path.dirname(options.config.accessLog), { recursive: true });
  const errorLogPath = path.join(prefixDir, 'error.log');
  const confPath = path.join(prefixDir, 'nginx.conf');
  writeFileSync(confPath, nginxConfText({ ...options, prefixDir, errorLogPath }));
  return { prefixDir, confPath, errorLogPath };
}

function nginxConfText(o: NginxOptions & { port: number; prefixDir: string; errorLogPath: string }): string {
  const p = (name: string) => path.join(o.prefixDir, name);
  // Workers of a root master run as `nobody` unless told otherwise, and could not read temp dirs.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  return `${user}
daemon off;
master_process on;
worker_processes ${o.workerProcesses ?? 1};
pid ${p('nginx.pid')};
error_log ${o.errorLogPath} notice;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path ${p('temp/body')};
    proxy_temp_path ${p('temp/proxy')};
    fastcgi_temp_path ${p('temp/fastcgi')};
    uwsgi_temp_path ${p('temp/uwsgi')};
    scgi_temp_path ${p('temp/scgi')};
    access_log ${p('site-access.log')};
    include ${p('casterpak-http.conf')};
    ${o.extraHttp ?? ''}
    server {
        listen 127.0.0.1:${o.port};
        server_name localhost;
        include ${p('casterpak-server.conf')};
        location / { return 404; }
        ${o.extraServer ?? ''}
    }
}
`;
}

/** Runs `nginx -t` on a generated conf; ok is nginx's verdict, output its messages. */
export function nginxTest(conf: GeneratedConf): { ok: boolean; output: string } {
  const result = spawnSync(NGINX_BIN, ['-t', '-p', conf.prefixDir, '-c', conf.confPath, '-e', conf.errorLogPath], { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** Whether something answers HTTP on the loopback port (any status): nginx has started listening. */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

async function launch(options: NginxOptions): Promise<{ proc: GuardedProcess; port: number; conf: GeneratedConf; output: () => string }> {
  const port = await freePort();
  const conf = writeNginxConf({ ...options, port });
  let output = '';
  const proc = await spawnGuarded(NGINX_BIN, ['-p', conf.prefixDir, '-c', conf.confPath, '-e', conf.errorLogPath]);
  proc.guard.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.guard.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  return { proc, port, conf, output: () => output };
}

/** Graceful stop (SIGQUIT: workers finish their requests), then SIGTERM, then the whole group is killed. */
function stopNginx(proc: GuardedProcess): Promise<void> {
  return stopGuarded(proc, [
    ['SIGQUIT', 5_000],
    ['SIGTERM', 2_000],
  ]);
}

/** Starts nginx and resolves once it answers HTTP; retries on a port taken between probe and bind. */
export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  for (let attempt = 1; ; attempt += 1) {
    const { proc, port, conf, output } = await launch(options);
    try {
      await waitFor('nginx to answer', async () => {
        if (proc.guard.exitCode !== null) throw new Error(`nginx exited: ${output()}${readIfExists(conf.errorLogPath)}`);
        return (await answers(port)) ? true : undefined;
      });
      return running(proc, port, conf, options.config.accessLog);
    } catch (err) {
      await stopNginx(proc);
      const log = `${output()}${readIfExists(conf.errorLogPath)}`;
      rmSync(conf.prefixDir, { recursive: true, force: true });
      if (attempt < 3 && /Address already in use/.test(log)) continue;
      throw err;
    }
  }
}

/** The files each process holds open, as the paths they now have. */
function openFiles(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

function running(proc: GuardedProcess, port: number, conf: GeneratedConf, accessLogPath: string): RunningNginx {
  const master = proc.pid;
  const tail = () => readIfExists(conf.errorLogPath).split('\n').slice(-20).join('\n');
  return {
    port,
    pid: master,
    baseUrl: `http://127.0.0.1:${port}`,
    prefixDir: conf.prefixDir,
    confPath: conf.confPath,
    accessLogPath,
    errorLogPath: conf.errorLogPath,
    async reload() {
      const before = childPids(master);
      process.kill(master, 'SIGHUP');
      await waitFor(
        `nginx reload (error log: ${tail()})`,
        () => {
          const now = childPids(master);
          return before.every((pid) => !isAlive(pid) || !now.includes(pid)) && now.some((pid) => !before.includes(pid)) ? true : undefined;
        },
        15_000,
      );
    },
    async reopenLogs() {
      process.kill(master, 'SIGUSR1');
      await waitFor(
        'nginx to reopen its logs',
        () => [master, ...childPids(master)].every((pid) => openFiles(pid).includes(accessLogPath)) || undefined,
        10_000,
      );
    },
    async stop() {
      await stopNginx(proc);
      rmSync(conf.prefixDir, { recursive: true, force: true });
    },
  };
}
