// The SQLite state shared by `casterpakd serve` and `casterpakd prune`: WAL, busy timeout, immediate writes.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { PackagerName } from '../config.js';
import { CasterpakError } from '../errors.js';
import type { FileKind } from '../layout/rendition-files.js';
import type { SourceFile } from '../source/resolve.js';
import { MIGRATIONS } from './migrations.js';
import { SQL } from './sql.js';

export const DB_FILE_NAME = 'casterpak.db';

export type Granularity = 'segment' | 'rendition';

export interface PackageRow {
  id: number;
  source_path: string;
  source_size: number;
  source_mtime_ms: number;
  packager: PackagerName;
  granularity: Granularity;
  segment_count: number | null;
  created_ms: number;
}

export interface CacheFileRow {
  path: string;
  package_id: number | null;
  kind: FileKind;
  bytes: number;
  created_ms: number;
  last_access_ms: number | null;
  hits: number;
}

export interface NewCacheFile {
  path: string;
  packageId: number | null;
  kind: FileKind;
  bytes: number;
}

export interface EnsuredPackage {
  pkg: PackageRow;
  /** Cache paths of a replaced package's files, and of the masters built without this package, to unlink. */
  staleFiles: string[];
  /** True when `pkg` was made just now: nothing published before belongs to it. */
  created: boolean;
}

/** A source a master playlist was built from, as it was then: size and mtime, or null when it was missing. */
export interface MasterMember {
  sourcePath: string;
  sizeBytes: number | null;
  mtimeMs: number | null;
}

interface MasterMemberRow {
  master_path: string;
  source_path: string;
  source_size: number | null;
  source_mtime_ms: number | null;
}

export function isSamePackage(row: PackageRow, src: SourceFile, packager: PackagerName): boolean {
  return row.source_size === src.sizeBytes && row.source_mtime_ms === Math.trunc(src.mtimeMs) && row.packager === packager;
}

export interface Access {
  path: string;
  accessMs: number;
  hits: number;
}

/**
 * How long a command (prune, warm, invalidate…) waits for another process's write lock before SQLITE_BUSY.
 * better-sqlite3 waits synchronously: fine for a one-shot command, which has nothing else to do meanwhile.
 */
const COMMAND_BUSY_TIMEOUT_MS = 5_000; // docs/cache-and-log-rules.md#sqlite-wal

/** Pauses between attempts of retryWhileLocked: doubling from the first to the last. */
const FIRST_LOCK_PAUSE_MS = 10;
const MAX_LOCK_PAUSE_MS = 250;

export interface StoreOptions {
  /**
   * SQLite's own busy timeout, spent blocking the calling thread. The daemon keeps it short (its event loop
   * serves /healthz and every other request meanwhile) and waits longer in retryWhileLocked instead.
   */
  readonly busyTimeoutMs?: number;
  /** How long retryWhileLocked keeps trying before DB_BUSY (503); config `sqlite_lock_wait` in the daemon. */
  readonly lockWaitMs?: number;
}

function isLockError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export class Store {
  readonly db: Database.Database;
  private readonly statements = new Map<keyof typeof SQL, Database.Statement>();
  private readonly lockWaitMs: number;
  /**
   * The one transaction function every write runs through: db.transaction() builds five wrappers each
   * time it is called (about 4 us, measured), and a miss writes through several.
   */
  private readonly transaction: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(dbPath: string, options: StoreOptions = {}) {
    mkdirSync(path.dirname(dbPath), { recursive: true });
    // Opening, WAL set-up and migrations happen before anything is served: they may wait the long timeout.
    this.db = new Database(dbPath, { timeout: COMMAND_BUSY_TIMEOUT_MS });
    this.transaction = this.db.transaction((fn: () => unknown) => fn());
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Bound the WAL file: it is truncated to this size after checkpoints (docs/cache-and-log-rules.md#sqlite-short-transactions).
    this.db.pragma('journal_size_limit = 67108864');
    this.migrate();
    const busyTimeoutMs = options.busyTimeoutMs ?? COMMAND_BUSY_TIMEOUT_MS;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    this.lockWaitMs = options.lockWaitMs ?? COMMAND_BUSY_TIMEOUT_MS;
  }

  static open(stateDir: string, options: StoreOptions = {}): Store {
    return new Store(path.join(stateDir, DB_FILE_NAME), options);
  }

  /**
   * Runs the write `fn` (a method of this class or a `write()` of its own), and while another process holds
   * the write lock, tries again after a pause on a timer instead of blocking: each attempt blocks at most
   * the busy timeout. Gives up with DB_BUSY (503) after `lockWaitMs`. A failed attempt rolled back, so
   * `fn` may run more than once; it must not have effects outside SQLite.
   */
  async retryWhileLocked<T>(fn: () => T): Promise<T> {
    const startedMs = performance.now();
    let pauseMs = FIRST_LOCK_PAUSE_MS;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (!isLockError(err)) throw err;
        const waitedMs = performance.now() - startedMs;
        if (waitedMs >= this.lockWaitMs) {
          throw new CasterpakError('DB_BUSY', `the database stayed locked by another process for ${Math.round(waitedMs)} ms, try again`, { waitedMs: Math.round(waitedMs) });
        }
        await sleep(Math.min(pauseMs, this.lockWaitMs - waitedMs));
        pauseMs = Math.min(pauseMs * 2, MAX_LOCK_PAUSE_MS);
      }
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * A prepared statement for a named SQL constant, prepared once. Only the SQL of store/sql.ts runs here:
   * any other name (SQL text, a name built at run time that the compiler did not check) is refused.
   */
  statement(name: keyof typeof SQL): Database.Statement {
    let statement = this.statements.get(name);
    if (!statement) {
      if (!Object.hasOwn(SQL, name)) throw new Error(`no statement named ${JSON.stringify(name)} in store/sql.ts`);
      statement = this.db.prepare(SQL[name]);
      this.statements.set(name, statement);
    }
    return statement;
  }

  /** Runs `fn` in an IMMEDIATE transaction: it takes the write lock up front, so it waits instead of failing. */
  write<T>(fn: () => T): T {
    return this.transaction.immediate(fn) as T;
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    for (let version = current; version < MIGRATIONS.length; version += 1) {
      this.write(() => {
        this.db.exec(MIGRATIONS[version]);
        this.db.pragma(`user_version = ${version + 1}`);
      });
    }
  }

  packageBySource(sourcePath: string): PackageRow | undefined {
    return this.statement('packageBySource').get({ sourcePath }) as PackageRow | undefined;
  }

  /**
   * The package row for this exact source (path, size, mtime, packager), created if needed. A row for the
   * same path with another identity is stale: it is replaced, and the paths of its files are returned so
   * the caller unlinks them (a replaced source never serves stale segments).
   */
  ensurePackage(src: SourceFile, packager: PackagerName, granularity: Granularity, segmentCount: number | null): EnsuredPackage {
    const standing = this.standingPackage(src, packager);
    if (standing) return { pkg: standing, staleFiles: [], created: false };
    return this.write(() => {
      const existing = this.packageBySource(src.relPath);
      if (existing && isSamePackage(existing, src, packager)) return { pkg: existing, staleFiles: [], created: false };
      let staleFiles: string[] = [];
      if (existing) {
        staleFiles = this.filesOfPackage(existing.id).map((f) => f.path);
        this.statement('deletePackage').run({ id: existing.id });
      }
      // A master that lists this source was built from other content or without it: it goes too.
      const masters = (this.statement('mastersOfSource').all({ sourcePath: src.relPath }) as Array<{ master_path: string }>).map((r) => r.master_path);
      for (const masterPath of masters) this.statement('deleteFile').run({ path: masterPath });
      staleFiles = [...new Set([...staleFiles, ...masters])];
      const pkg = this.statement('insertPackage').get({
        sourcePath: src.relPath,
        sourceSize: src.sizeBytes,
        sourceMtimeMs: Math.trunc(src.mtimeMs),
        packager,
        granularity,
        segmentCount,
        createdMs: Date.now(),
      }) as PackageRow;
      return { pkg, staleFiles, created: true };
    });
  }

  /**
   * The package of this exact source when it stands, read without taking the write lock (the usual case of
   * ensurePackage): what a caller does with it is checked again under the lock when it publishes
   * (publishIfCurrent), as it would be after a transaction.
   */
  standingPackage(src: SourceFile, packager: PackagerName): PackageRow | undefined {
    const row = this.packageBySource(src.relPath);
    return row && isSamePackage(row, src, packager) ? row : undefined;
  }

  setSegmentCount(id: number, segmentCount: number): void {
    this.write(() => this.statement('setSegmentCount').run({ id, segmentCount }));
  }

  deletePackage(id: number): void {
    this.write(() => this.statement('deletePackage').run({ id }));
  }

  /**
   * Runs `publish` (record the files, rename them into place) in one immediate transaction, only if every
   * package in `packages` is still its source's current package; returns false, having run nothing, when one
   * was replaced meanwhile. Holding the write lock across the check, the rows and the renames is what keeps
   * a stale run's file from ever being served: a replacement (ensurePackage) either commits before, and
   * this run publishes nothing, or after, and then it finds this run's rows and unlinks their files.
   */
  publishIfCurrent(packages: readonly PackageRow[], publish: () => void): boolean {
    return this.write(() => {
      for (const pkg of packages) {
        const params = { id: pkg.id, sourcePath: pkg.source_path, sourceSize: pkg.source_size, sourceMtimeMs: pkg.source_mtime_ms, packager: pkg.packager };
        if (this.statement('packageIsCurrent').get(params) === undefined) return false;
      }
      publish();
      return true;
    });
  }

  filesOfPackage(packageId: number): CacheFileRow[] {
    return this.statement('filesOfPackage').all({ packageId }) as CacheFileRow[];
  }

  recordFiles(files: readonly NewCacheFile[]): void {
    const createdMs = Date.now();
    this.write(() => {
      for (const file of files) this.statement('upsertFile').run({ ...file, createdMs });
    });
  }

  /** Records a master playlist file and the sources it was built from, replacing any earlier record, in one transaction. */
  recordMaster(file: NewCacheFile, members: readonly MasterMember[]): void {
    const createdMs = Date.now();
    this.write(() => {
      this.statement('upsertFile').run({ ...file, createdMs });
      this.statement('deleteMasterMembers').run({ masterPath: file.path });
      for (const member of members) {
        this.statement('insertMasterMember').run({
          masterPath: file.path,
          sourcePath: member.sourcePath,
          sourceSize: member.sizeBytes,
          sourceMtimeMs: member.mtimeMs === null ? null : Math.trunc(member.mtimeMs),
        });
      }
    });
  }

  /** Drops a file's row (and, for a master, its members): a file unlinked outside any package. */
  forgetFile(cachePath: string): void {
    this.write(() => this.statement('deleteFile').run({ path: cachePath }));
  }

  membersOfMaster(masterPath: string): MasterMember[] {
    const rows = this.statement('membersOfMaster').all({ masterPath }) as MasterMemberRow[];
    return rows.map((r) => ({ sourcePath: r.source_path, sizeBytes: r.source_size, mtimeMs: r.source_mtime_ms }));
  }

  fileByPath(cachePath: string): CacheFileRow | undefined {
    return this.statement('fileByPath').get({ path: cachePath }) as CacheFileRow | undefined;
  }

  /** Applies accesses idempotently in time (last access never moves back), in one transaction. */
  recordAccesses(accesses: readonly Access[]): void {
    if (accesses.length === 0) return;
    this.write(() => {
      for (const access of accesses) this.statement('recordAccess').run(access);
    });
  }

  startGeneration(key: string): void {
    this.write(() => this.statement('startGeneration').run({ key, pid: process.pid, startedMs: Date.now() }));
  }

  endGeneration(key: string): void {
    this.write(() => this.statement('endGeneration').run({ key }));
  }

  /** At start-up: generations this process claimed in an earlier life died with it. */
  clearGenerationsOfPid(pid: number): void {
    this.write(() => this.statement('clearGenerationsOfPid').run({ pid }));
  }

  counts(): { packages: number; files: number; bytes: number } {
    return this.statement('counts').get() as { packages: number; files: number; bytes: number };
  }

  /** Reads the database once; throws when it cannot (the daemon's health check). */
  ping(): void {
    this.statement('ping').get();
  }
}
