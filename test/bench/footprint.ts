// The daemon's memory, tasks and descriptors under concurrent cold misses, against the systemd unit's limits.

import { spawn } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { childPids, freePort } from '../helpers/processes.js';
import { makeLongRendition } from './builtin.js';
import { cliNodeFlags } from './casterpak-stack.js';
import type { BenchModule, BenchRow } from './table.js';

/** Run from dist/test/bench/: the compiled CLI and the repository's unit files. */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../../daemon/cli/main.js');
const UNIT = path.resolve(HERE, '../../../systemd/casterpakd.service');

const SOURCES = 8;
const CLIENTS = Number(process.env.CASTERPAK_BENCH_FOOTPRINT_CLIENTS ?? 32);
const MINUTES = 10;

interface Peak {
  rssBytes: number;
  tasks: number;
  fds: number;
}

function statusOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}

const field = (status: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);

/** The daemon and every process below it (a cgroup counts them all). */
function tree(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(tree)];
}

function sample(pid: number, peak: Peak): void {
  const statuses = tree(pid).map(statusOf);
  peak.rssBytes = Math.max(peak.rssBytes, statuses.reduce((sum, s) => sum + field(s, 'VmRSS') * 1024, 0));
  peak.tasks = Math.max(peak.tasks, statuses.reduce((sum, s) => sum + field(s, 'Threads'), 0));
  try {
    peak.fds = Math.max(peak.fds, readdirSync(`/proc/${pid}/fd`).length);
  } catch {
    // ended
  }
}

function get(port: number, urlPath: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0))).on('error', reject);
  });
}

/** `MemoryHigh=1G` → bytes; `TasksMax=128` → 128. */
function unitLimit(key: string): number {
  const value = new RegExp(`^${key}=(\\S+)`, 'm').exec(readFileSync(UNIT, 'utf8'))?.[1] ?? '';
  const units: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 };
  return Number(/^\d+/.exec(value)?.[0]) * (units[value.slice(-1)] ?? 1);
}

async function measure(scratch: string, mediaRoot: string, segments: number): Promise<Peak> {
  const port = await freePort();
  const config = path.join(scratch, 'casterpakd.toml');
  const dir = (name: string) => path.join(scratch, name);
  await fs.writeFile(config, [`media_root = "${mediaRoot}"`, `cache_dir = "${dir('cache')}"`, `state_dir = "${dir('state')}"`, `access_log = "${dir('access.log')}"`, `listen = "127.0.0.1:${port}"`, 'log_level = "warn"'].join('\n'));
  const daemon = spawn(process.execPath, [...cliNodeFlags(), CLI, 'serve', '--config', config], { stdio: 'ignore', env: { ...process.env, NODE_ENV: 'production' } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const peak: Peak = { rssBytes: 0, tasks: 0, fds: 0 };
  try {
    while (await get(port, '/healthz', agent).catch(() => 0) !== 200) await sleep(100);
    const queue = Array.from({ length: SOURCES }, (_, s) => `/i/r${s + 1}.mp4/index_0_av.m3u8`);
    for (let n = 1; n <= segments; n++) for (let s = 1; s <= SOURCES; s++) queue.push(`/i/r${s}.mp4/segment${n}_0_av.ts`);
    const sampler = setInterval(() => sample(daemon.pid ?? 0, peak), 20);
    let failed = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) if ((await get(port, next, agent)) !== 200) failed += 1;
      }),
    );
    clearInterval(sampler);
    if (failed > 0) throw new Error(`${failed} misses failed`);
    return peak;
  } finally {
    agent.destroy();
    daemon.kill('SIGTERM');
  }
}

export const footprintBench: BenchModule = {
  name: 'footprint',
  async run(): Promise<BenchRow[]> {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'casterpak-bench-footprint-'));
    try {
      const src = await makeLongRendition(scratch, MINUTES);
      const mediaRoot = path.join(scratch, 'media');
      await fs.mkdir(mediaRoot);
      // Hard links: the same bytes under distinct names are distinct sources, each missing on its own.
      for (let s = 1; s <= SOURCES; s++) await fs.link(src.absPath, path.join(mediaRoot, `r${s}.mp4`));
      const peak = await measure(scratch, mediaRoot, MINUTES * 6);
      const memoryHigh = unitLimit('MemoryHigh');
      const tasksMax = unitLimit('TasksMax');
      const label = `${CLIENTS} clients, cold misses on ${SOURCES} ${MINUTES}-minute 720p sources, builtin, defaults`;
      return [
        {
          figure: `Peak RSS of the daemon, ${label}`,
          casterpak: `${(peak.rssBytes / 2 ** 20).toFixed(0)} MiB (${peak.fds} fds)`,
          reference: `MemoryHigh ${(memoryHigh / 2 ** 20).toFixed(0)} MiB`,
          ratio: (peak.rssBytes / memoryHigh).toFixed(2),
          target: '<= 0.5 of MemoryHigh',
          met: peak.rssBytes <= memoryHigh / 2,
        },
        {
          figure: 'Peak tasks (threads of the daemon and its children) meanwhile',
          casterpak: String(peak.tasks),
          reference: `TasksMax ${tasksMax}`,
          ratio: (peak.tasks / tasksMax).toFixed(2),
          target: '<= 0.25 of TasksMax',
          met: peak.tasks <= tasksMax / 4,
        },
      ];
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  },
};
