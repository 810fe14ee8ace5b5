// A cache with known files and rows, real nginx serving it and writing the casterpak log, and a tailer over it.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfig, type Config } from '../../daemon/config.js';
import { Store } from '../../daemon/store/store.js';
import { loadCounters } from '../../daemon/tail/tail-state.js';
import { Tailer, type TailerOptions } from '../../daemon/tail/tailer.js';
import { get } from '../helpers/http.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { sleep, waitFor } from '../helpers/processes.js';

export interface TailFixture {
  readonly config: Config;
  readonly store: Store;
  readonly logPath: string;
  /** Cache paths with a file on disk and a row, e.g. `i/v0.mp4/segment1_0_av.ts`. */
  readonly paths: readonly string[];
  /** Requests actually answered 200 by nginx, per cache path: the hits SQLite must end up with. */
  readonly served: Map<string, number>;
  nginx: RunningNginx;
  /** GETs each path through nginx `times` times (200 expected), and remembers them as served. */
  fetchAll(times?: number, paths?: readonly string[]): Promise<void>;
  tailer(options?: Partial<TailerOptions>): Tailer;
  hitsByPath(): Map<string, number>;
  totalHits(): number;
  /** Waits until SQLite holds exactly the served hits (and fails if it ever holds more). */
  waitForExactHits(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function makeCache(cacheDir: string, store: Store, count: number): string[] {
  const paths: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const cachePath = `i/v${i % 4}.mp4/segment${i + 1}_0_av.ts`;
    mkdirSync(path.join(cacheDir, path.dirname(cachePath)), { recursive: true });
    writeFileSync(path.join(cacheDir, cachePath), Buffer.alloc(188 * 4, i));
    paths.push(cachePath);
  }
  store.recordFiles(paths.map((p) => ({ path: p, packageId: null, kind: 'segment' as const, bytes: 4096 })));
  return paths;
}

export function tempConfig(raw: Record<string, unknown> = {}): Config {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-tail-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  mkdirSync(path.join(top, 'log'));
  return validateConfig({ ...dirs, access_log: path.join(top, 'log', 'casterpak.access.log'), mode: 'nginx', ...raw });
}

export async function tailFixture(fileCount = 8): Promise<TailFixture> {
  const config = tempConfig();
  const store = Store.open(config.stateDir);
  const paths = makeCache(config.cacheDir, store, fileCount);
  const nginx = await startNginx({ config });
  const served = new Map<string, number>();
  const tailers: Tailer[] = [];

  const hitsByPath = () => new Map((store.db.prepare('SELECT path, hits FROM cache_files').all() as { path: string; hits: number }[]).map((r) => [r.path, r.hits]));
  const expected = () => [...served.values()].reduce((a, b) => a + b, 0);

  const fixture: TailFixture = {
    config,
    store,
    logPath: config.accessLog,
    paths,
    served,
    nginx,
    async fetchAll(times = 1, which = paths) {
      for (let round = 0; round < times; round += 1) {
        for (const cachePath of which) {
          const res = await get(fixture.nginx.port, `/${cachePath}`);
          if (res.status !== 200) throw new Error(`nginx answered ${res.status} for /${cachePath}`);
          served.set(cachePath, (served.get(cachePath) ?? 0) + 1);
        }
      }
    },
    tailer(options = {}) {
      const tailer = new Tailer({ store, logPath: config.accessLog, context: config, pollIntervalMs: 100, rotateGraceMs: 500, ...options });
      tailers.push(tailer);
      return tailer;
    },
    hitsByPath,
    totalHits: () => [...hitsByPath().values()].reduce((a, b) => a + b, 0),
    async waitForExactHits(timeoutMs = 30_000) {
      await waitFor(`${expected()} hits in SQLite (have ${fixture.totalHits()})`, () => {
        const total = fixture.totalHits();
        if (total > expected()) throw new Error(`counted ${total} hits for ${expected()} requests`);
        return total === expected() ? true : undefined;
      }, timeoutMs);
      // Lines counted twice would show up a pass or two later: give the tailer time to make that mistake.
      await sleep(600);
      if (fixture.totalHits() !== expected()) throw new Error(`counted ${fixture.totalHits()} hits for ${expected()} requests after settling`);
      const byPath = hitsByPath();
      for (const cachePath of paths) {
        if ((byPath.get(cachePath) ?? 0) !== (served.get(cachePath) ?? 0)) throw new Error(`${cachePath}: ${byPath.get(cachePath)} hits for ${served.get(cachePath) ?? 0} requests`);
      }
      const counters = loadCounters(store);
      if (counters.hits !== expected()) throw new Error(`tail_counters.hits is ${counters.hits} for ${expected()} requests`);
    },
    async close() {
      for (const tailer of tailers) await tailer.stop();
      await fixture.nginx.stop();
      store.close();
    },
  };
  return fixture;
}
