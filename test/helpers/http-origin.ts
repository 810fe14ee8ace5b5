// An HTTP origin for remote-source tests: Debian's real nginx serving a directory (it answers Range, ETag, If-Match), with a byte-counting access log.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NGINX_BIN, answers } from './nginx.js';
import { freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from './processes.js';

/** One request the origin answered, from its access log. */
export interface OriginRequest {
  readonly method: string;
  readonly status: number;
  /** Body bytes sent. */
  readonly bytes: number;
  readonly range: string;
  readonly uri: string;
}

export interface HttpOrigin {
  readonly port: number;
  /** The media_root that names the served directory: `http://127.0.0.1:<port>/media/`. */
  readonly mediaRoot: string;
  /** The same directory from a location that answers HEAD with 405. */
  readonly noHeadRoot: string;
  /** A media_root whose every request is redirected (301) to the same path under mediaRoot. */
  readonly movedRoot: string;
  /** A media_root where every request is answered 503. */
  readonly failingRoot: string;
  /** Every request logged so far. */
  requests(): OriginRequest[];
  /** Body bytes sent since the start (or since `from` requests). */
  bytesSent(from?: number): number;
  stop(): Promise<void>;
}

function confText(prefix: string, root: string, port: number): string {
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  return `${user}
daemon off;
master_process on;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log notice;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 10000;
    client_body_temp_path ${prefix}/temp;
    proxy_temp_path ${prefix}/temp;
    fastcgi_temp_path ${prefix}/temp;
    uwsgi_temp_path ${prefix}/temp;
    scgi_temp_path ${prefix}/temp;
    log_format origin '$request_method\\t$status\\t$body_bytes_sent\\t$http_range\\t$uri';
    access_log ${prefix}/origin.log origin;
    server {
        listen 127.0.0.1:${port};
        location /media/ { alias ${root}/; }
        # A server that refuses HEAD (405) but answers ranged GETs.
        location /nohead/ {
            alias ${root}/;
            if ($request_method = HEAD) { return 405; }
        }
        # A folder that moved: every request redirected to /media/.
        location /moved/ { rewrite ^/moved/(.*)$ /media/$1 permanent; }
        # An origin in trouble: every request answered 503.
        location /failing/ { return 503; }
        location / { return 404; }
    }
}
`;
}

/** Serves `root` (a directory) at `/media/` on a free loopback port. */
export async function startHttpOrigin(root: string): Promise<HttpOrigin> {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'casterpak-origin-'));
  mkdirSync(path.join(prefix, 'temp'));
  const port = await freePort();
  writeFileSync(path.join(prefix, 'nginx.conf'), confText(prefix, root, port));
  const proc: GuardedProcess = await spawnGuarded(NGINX_BIN, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log')]);
  await waitFor('the origin nginx to answer', async () => {
    if (proc.guard.exitCode !== null) throw new Error(`origin nginx exited: ${existsSync(path.join(prefix, 'error.log')) ? readFileSync(path.join(prefix, 'error.log'), 'utf8') : ''}`);
    return (await answers(port)) || undefined;
  });
  const requests = (): OriginRequest[] => {
    const log = path.join(prefix, 'origin.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [method, status, bytes, range, uri] = line.split('\t');
        return { method, status: Number(status), bytes: Number(bytes), range: range === '-' ? '' : range, uri };
      });
  };
  return {
    port,
    mediaRoot: `http://127.0.0.1:${port}/media/`,
    failingRoot: `http://127.0.0.1:${port}/failing/`,
    movedRoot: `http://127.0.0.1:${port}/moved/`,
    noHeadRoot: `http://127.0.0.1:${port}/nohead/`,
    requests,
    bytesSent: (from = 0) => requests().slice(from).reduce((sum, r) => sum + r.bytes, 0),
    async stop() {
      await stopGuarded(proc, [['SIGQUIT', 5_000], ['SIGTERM', 2_000]]);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
