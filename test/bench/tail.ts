// Benchmark: the access-log tailer's ingest rate against `wc -l`, and its lag under load through real nginx.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfig } from '../../daemon/config.js';
import { Store } from '../../daemon/store/store.js';
import { measureTailerLag } from '../../daemon/tail/lag.js';
import { Tailer } from '../../daemon/tail/tailer.js';
import { writeAccessLog } from '../helpers/access-log.js';
import { startNginx } from '../helpers/nginx.js';
import type { BenchModule, BenchRow } from './table.js';
import { WRK } from './wrk.js';


const INGEST_LINES = 1_000_000;
const TARGET_LINES_PER_SEC = 200_000;

function cachePaths(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `i/v${i % 20}.mp4/segment${i + 1}_0_av.ts`);
}

function storeWithRows(stateDir: string, paths: readonly string[]): Store {
  const store = Store.open(stateDir);
  store.recordFiles(paths.map((p) => ({ path: p, packageId: null, kind: 'segment' as const, bytes: 4096 })));
  return store;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `wc -l` over the same file: reading and counting newlines, the floor any tailer sits on. */
function wcLinesPerSec(file: string): number {
  spawnSync('wc', ['-l', file]); // warm the page cache as the tailer run will find it
  const started = process.hrtime.bigint();
  const result = spawnSync('wc', ['-l', file], { encoding: 'utf8' });
  const sec = Number(process.hrtime.bigint() - started) / 1e9;
  return Number.parseInt(result.stdout, 10) / sec;
}

export async function ingestRate(): Promise<BenchRow> {
  const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-bench-tail-'));
  try {
    const paths = cachePaths(1_000);
    const logPath = path.join(dir, 'casterpak.access.log');
    writeAccessLog(logPath, { lines: INGEST_LINES, paths, startMs: Date.now() - 86_400_000 });
    const reference = wcLinesPerSec(logPath);
    const store = storeWithRows(dir, paths);
    const tailer = new Tailer({ store, logPath, context: { urlPrefix: '/i/', internalPrefix: '/casterpak-internal/' }, watch: false });
    const started = process.hrtime.bigint();
    await tailer.start();
    await tailer.catchUp();
    const sec = Number(process.hrtime.bigint() - started) / 1e9;
    const lines = tailer.stats().lines;
    await tailer.stop();
    store.close();
    if (lines !== INGEST_LINES) throw new Error(`tailer read ${lines} of ${INGEST_LINES} lines`);
    const rate = lines / sec;
    return {
      figure: `Tailer ingest, ${fmt(INGEST_LINES)}-line log (${(statSync(logPath).size / 2 ** 20).toFixed(0)} MiB), lines/s`,
      casterpak: fmt(rate),
      reference: `${fmt(reference)} (wc -l)`,
      ratio: `${(rate / reference).toFixed(3)}×`,
      target: `≥ ${fmt(TARGET_LINES_PER_SEC)} lines/s`,
      met: rate >= TARGET_LINES_PER_SEC,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** wrk paced by a Lua `delay()`: `connections` × 1000 / `delayMs` requests per second at most. */
function runWrk(url: string, seconds: number, connections: number, delayMs: number, scriptDir: string): Promise<string> {
  const script = path.join(scriptDir, 'paced.lua');
  writeFileSync(script, `local n = 0\nrequest = function()\n  n = n + 1\n  return wrk.format("GET", "/i/v" .. (n % 20) .. ".mp4/segment" .. ((n % 1000) + 1) .. "_0_av.ts")\nend\ndelay = function() return ${delayMs} end\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(WRK, ['-t2', `-c${connections}`, `-d${seconds}s`, '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk failed: ${out}`))));
  });
}

/** Lag while a load generator sends about 10,000 hits/s through nginx (wrk paced to 50 × 1000/4 ms at most). */
export async function lagUnderLoad(): Promise<BenchRow> {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-bench-lag-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));
  const config = validateConfig({ ...dirs, access_log: path.join(top, 'log', 'casterpak.access.log'), mode: 'nginx' });
  const paths = cachePaths(1_000);
  for (const p of paths) {
    mkdirSync(path.join(config.cacheDir, path.dirname(p)), { recursive: true });
    writeFileSync(path.join(config.cacheDir, p), Buffer.alloc(1_316));
  }
  const store = storeWithRows(config.stateDir, paths);
  const nginx = await startNginx({ config, workerProcesses: 2 });
  const tailer = new Tailer({ store, logPath: config.accessLog, context: config });
  const samplesSec: number[] = [];
  try {
    await tailer.start();
    // Measured as `casterpakd status` does: the age of the oldest line not yet committed to SQLite.
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samplesSec.push((await measureTailerLag(store, config.accessLog)).secondsBehind);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const out = await runWrk(nginx.baseUrl, 10, 50, Number(process.env.CASTERPAK_BENCH_WRK_DELAY_MS ?? 4), top);
    sampling = false;
    await sampler;
    const drainStarted = Date.now();
    await tailer.catchUp();
    const drainSec = (Date.now() - drainStarted) / 1000;
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
    const sorted = [...samplesSec].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    const max = sorted[sorted.length - 1] ?? 0;
    return {
      figure: `Tailer lag under ${fmt(rps)} req/s of hits through nginx (wrk, 10 s)`,
      casterpak: `p99 ${p99.toFixed(2)} s, max ${max.toFixed(2)} s`,
      reference: `drained ${drainSec.toFixed(2)} s after the load stopped`,
      ratio: '—',
      target: '< 1 s',
      met: max < 1,
    };
  } finally {
    await tailer.stop();
    await nginx.stop();
    store.close();
    rmSync(top, { recursive: true, force: true });
  }
}

export const tailBench: BenchModule = {
  name: 'tail',
  run: async () => [await ingestRate(), await lagUnderLoad()],
};
