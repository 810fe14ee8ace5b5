// The reference packager for the per-miss figures: nginx-vod-module in its own nginx, and /proc readings of CPU and memory.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { get } from '../helpers/http.js';
import { childPids, freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from '../helpers/processes.js';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const MS_PER_TICK = 10;

export interface VodNginx {
  port: number;
  /** The workers: the processes that package (one, as configured). */
  workerPids(): number[];
  stop(): Promise<void>;
}

/**
 * nginx-vod-module as its documentation sets it up for local files, with every cache off: each
 * request parses the source and packages from scratch. `/hls/` is MPEG-TS HLS, `/fmp4/` fMP4 HLS,
 * `/dash/` DASH, all over the same media directory CasterPak reads.
 */
function vodConf(prefixDir: string, port: number, mediaRoot: string): string {
  const p = (name: string) => path.join(prefixDir, name);
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const media = `${mediaRoot.replace(/\/$/, '')}/`;
  return `${user}
daemon off;
master_process on;
worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 1024; }
http {
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    client_body_temp_path ${p('temp')};
    proxy_temp_path ${p('temp')};
    fastcgi_temp_path ${p('temp')};
    uwsgi_temp_path ${p('temp')};
    scgi_temp_path ${p('temp')};
    access_log ${p('access.log')};
    open_file_cache off;
    vod_mode local;
    vod_segment_duration 10000;
    vod_align_segments_to_key_frames on;
    server {
        listen 127.0.0.1:${port};
        location /hls/ { vod hls; alias ${media}; }
        location /fmp4/ { vod hls; vod_hls_container_format fmp4; alias ${media}; }
        location /dash/ { vod dash; alias ${media}; }
        location / { return 404; }
    }
}
`;
}

/** Starts the reference nginx on a free loopback port; resolves once it answers HTTP. */
export async function startVodNginx(binary: string, mediaRoot: string): Promise<VodNginx> {
  const prefixDir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-vod-nginx-'));
  mkdirSync(path.join(prefixDir, 'temp'));
  const port = await freePort();
  const confPath = path.join(prefixDir, 'nginx.conf');
  writeFileSync(confPath, vodConf(prefixDir, port, mediaRoot));
  const proc: GuardedProcess = await spawnGuarded(binary, ['-p', prefixDir, '-c', confPath, '-e', path.join(prefixDir, 'error.log')]);
  let output = '';
  proc.guard.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    await stopGuarded(proc, [['SIGQUIT', 5_000], ['SIGTERM', 2_000]]);
    rmSync(prefixDir, { recursive: true, force: true });
  };
  try {
    await waitFor('nginx-vod-module to answer', async () => {
      if (proc.guard.exitCode !== null) throw new Error(`nginx-vod-module exited: ${output}`);
      return (await get(port, '/')).status === 404 ? true : undefined;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, workerPids: () => childPids(proc.pid), stop };
}

function statFields(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  // After the command, which is in parentheses and may hold spaces: state(0) ppid(1) … utime(11) stime(12).
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of every thread of each process, in milliseconds. */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const fields = statFields(`/proc/${pid}/task/${task}/stat`);
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The thread ended meanwhile: its time has moved to the process, and is lost to this reading.
      }
    }
  }
  return ticks * MS_PER_TICK;
}

export interface Memory {
  /** Peak resident set since the process started (VmHWM), bytes. */
  hwmBytes: number;
  /** Resident set now (VmRSS), bytes. */
  rssBytes: number;
}

/** VmHWM and VmRSS of each process, summed. */
export function memoryOf(pids: number[]): Memory {
  const field = (status: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return pids.reduce(
    (sum, pid) => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return { hwmBytes: sum.hwmBytes + field(status, 'VmHWM'), rssBytes: sum.rssBytes + field(status, 'VmRSS') };
    },
    { hwmBytes: 0, rssBytes: 0 },
  );
}

/** The 1-minute load average, as /proc/loadavg reports it. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
