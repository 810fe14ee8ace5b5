// A cache on disk with rows whose ages the test chooses, to run prune against (real files, real SQLite).

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../daemon/config.js';
import { validateConfig } from '../../daemon/config.js';
import { Store } from '../../daemon/store/store.js';
import { tempConfig } from '../tail/tail-fixture.js';

export const HOUR_MS = 3_600_000;

/**
 * The figures of these tests (a 4,096-byte file takes 4 KiB, a 100-byte file takes 4 KiB too) hold on a
 * file system with 4 KiB blocks and no inline or compressed small files: ext4 and xfs as usually made.
 * Checks that in `dir` and skips the test, saying why, elsewhere (btrfs inlines small files, ZFS and
 * some others use other record sizes).
 */
export function requireFourKiBBlocks(ctx: { skip(note?: string): void }, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const onDisk = (bytes: number) => {
    const probe = path.join(dir, `.block-probe-${bytes}`);
    writeFileSync(probe, Buffer.alloc(bytes, 1));
    const taken = statSync(probe).blocks * 512;
    rmSync(probe);
    return taken;
  };
  const small = onDisk(100);
  const page = onDisk(4096);
  if (small !== 4096 || page !== 4096) {
    ctx.skip(`needs 4 KiB file system blocks: here a 100-byte file takes ${small} bytes and a 4,096-byte file ${page}`);
  }
}

export interface PruneFixture {
  config: Config;
  store: Store;
  /** Writes a cache file of `bytes` and its row, last accessed `accessedAgoH` hours ago (null: never). */
  addFile(cachePath: string, options?: { bytes?: number; createdAgoH?: number; accessedAgoH?: number | null; packageId?: number | null; row?: boolean }): void;
  /** A package row for a real source file under media_root. */
  addPackage(sourcePath: string, granularity: 'segment' | 'rendition'): number;
  abs(cachePath: string): string;
  /** Every file under the cache's URL-prefix tree, relative. */
  diskFiles(): string[];
  rowPaths(): string[];
  dbSnapshot(): string;
}

function filesUnder(dir: string, base: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const abs = path.join(dir, name);
    return statSync(abs).isDirectory() ? filesUnder(abs, base) : [path.relative(base, abs).split(path.sep).join('/')];
  });
}

export function pruneFixture(raw: Record<string, unknown> = {}): PruneFixture {
  const base = tempConfig();
  const config = validateConfig({ media_root: base.mediaRoot, cache_dir: base.cacheDir, state_dir: base.stateDir, access_log: base.accessLog, mode: 'standalone', ...raw });
  const store = Store.open(config.stateDir);
  const abs = (cachePath: string) => path.join(config.cacheDir, ...cachePath.split('/'));
  const setTimes = store.db.prepare('UPDATE cache_files SET created_ms = @createdMs, last_access_ms = @accessMs WHERE path = @path');
  return {
    config,
    store,
    abs,
    addFile(cachePath, options = {}) {
      mkdirSync(path.dirname(abs(cachePath)), { recursive: true });
      writeFileSync(abs(cachePath), Buffer.alloc(options.bytes ?? 4096, 0x47));
      if (options.row === false) return;
      const bytes = statSync(abs(cachePath)).blocks * 512;
      const kind = cachePath.endsWith('.m3u8') ? 'playlist' : 'segment';
      store.recordFiles([{ path: cachePath, packageId: options.packageId ?? null, kind, bytes }]);
      const now = Date.now();
      const accessed = options.accessedAgoH === undefined ? 0 : options.accessedAgoH;
      setTimes.run({ path: cachePath, createdMs: now - (options.createdAgoH ?? 100) * HOUR_MS, accessMs: accessed === null ? null : now - accessed * HOUR_MS });
    },
    addPackage(sourcePath, granularity) {
      const absPath = path.join(config.mediaRoot, sourcePath);
      mkdirSync(path.dirname(absPath), { recursive: true });
      writeFileSync(absPath, `source ${sourcePath}`);
      const st = statSync(absPath);
      const { pkg } = store.ensurePackage({ absPath, relPath: sourcePath, sizeBytes: st.size, mtimeMs: st.mtimeMs }, granularity === 'segment' ? 'builtin' : 'ffmpeg', granularity, null);
      return pkg.id;
    },
    diskFiles: () => filesUnder(path.join(config.cacheDir, 'i'), config.cacheDir).sort(),
    rowPaths: () => (store.db.prepare('SELECT path FROM cache_files ORDER BY path').all() as { path: string }[]).map((r) => r.path),
    dbSnapshot: () =>
      JSON.stringify([
        store.db.prepare('SELECT * FROM cache_files ORDER BY path').all(),
        store.db.prepare('SELECT * FROM packages ORDER BY id').all(),
      ]),
  };
}

export function readCacheFile(fixture: PruneFixture, cachePath: string): Buffer {
  return readFileSync(fixture.abs(cachePath));
}
