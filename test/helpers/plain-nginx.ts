// Debian's nginx with an http block of the test's own (no CasterPak drop-in): a front tier, or stand-in nodes.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NGINX_BIN, answers } from './nginx.js';
import { freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from './processes.js';

export interface PlainNginx {
  readonly port: number;
  readonly baseUrl: string;
  readonly prefixDir: string;
  readonly errorLogPath: string;
  /** Graceful stop, then the process group is killed; the prefix directory is removed. */
  stop(): Promise<void>;
}

/** Writes nginx.conf around `httpBody(port)` into a new prefix directory; returns the paths (no process started). */
export function writePlainConf(httpBody: string): { prefixDir: string; confPath: string; errorLogPath: string } {
  const prefixDir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-plain-nginx-'));
  const p = (name: string) => path.join(prefixDir, name);
  for (const dir of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(p(`temp/${dir}`), { recursive: true });
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const confPath = p('nginx.conf');
  writeFileSync(
    confPath,
    `${user}
daemon off;
worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('error.log')} notice;
events { worker_connections 1024; }
http {
    access_log ${p('access.log')};
    client_body_temp_path ${p('temp/body')};
    proxy_temp_path ${p('temp/proxy')};
    fastcgi_temp_path ${p('temp/fastcgi')};
    uwsgi_temp_path ${p('temp/uwsgi')};
    scgi_temp_path ${p('temp/scgi')};
${httpBody}
}
`,
  );
  return { prefixDir, confPath, errorLogPath: p('error.log') };
}

async function startOnce(httpBody: (port: number) => string | Promise<string>): Promise<PlainNginx> {
  const port = await freePort();
  const conf = writePlainConf(await httpBody(port));
  const proc: GuardedProcess = await spawnGuarded(NGINX_BIN, ['-p', conf.prefixDir, '-c', conf.confPath, '-e', conf.errorLogPath]);
  const stop = async () => {
    await stopGuarded(proc, [['SIGQUIT', 5_000], ['SIGTERM', 2_000]]);
    rmSync(conf.prefixDir, { recursive: true, force: true });
  };
  try {
    await waitFor('nginx to answer', async () => {
      if (proc.guard.exitCode !== null) throw new Error(`nginx exited: ${existsSync(conf.errorLogPath) ? readFileSync(conf.errorLogPath, 'utf8') : ''}`);
      return (await answers(port)) ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, baseUrl: `http://127.0.0.1:${port}`, prefixDir: conf.prefixDir, errorLogPath: conf.errorLogPath, stop };
}

/** Starts nginx with `httpBody(port)` inside `http {}` (it must listen on 127.0.0.1:port); retries on a port taken meanwhile. */
export async function startPlainNginx(httpBody: (port: number) => string | Promise<string>): Promise<PlainNginx> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(httpBody);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
}
