// Starts the compiled tailer in a child process (tail-child.mjs) and reads its state from SQLite, read-only.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { TailerOptions } from '../../daemon/tail/tailer.js';
import { compiledDaemon } from '../helpers/compiled.js';
import { spawnGuarded, stopGuarded } from '../helpers/processes.js';

const CHILD_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tail-child.mjs');

export interface TailProcessArgs {
  stateDir: string;
  logPath: string;
  context: { urlPrefix: string; internalPrefix: string };
  options?: Partial<Omit<TailerOptions, 'store' | 'logPath' | 'context' | 'log'>>;
  /** Also serve HTTP (the tailer's stats as JSON) from the same process. */
  http?: boolean;
  /** Also write a miss (generation + file row) this often, as the daemon does. */
  missEveryMs?: number;
}

export interface TailProcess {
  /** The HTTP port when `http` was asked for. */
  readonly port: number;
  /** What the process wrote to stderr (its warnings and errors). */
  stderr(): string;
  /** SIGTERM: the tailer stops cleanly. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to finish anything. */
  kill9(): Promise<void>;
}

/** Runs tail-child.mjs under the test guard: it never outlives the test process, however that ends. */
export async function startTailProcess(args: TailProcessArgs): Promise<TailProcess> {
  const root = await compiledDaemon();
  const proc = await spawnGuarded(process.execPath, [CHILD_SCRIPT, root, JSON.stringify(args)]);
  let stderr = '';
  proc.guard.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = await new Promise<{ port: number }>((resolve, reject) => {
    let stdout = '';
    proc.guard.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const newline = stdout.indexOf('\n');
      if (newline !== -1) resolve(JSON.parse(stdout.slice(0, newline)) as { port: number });
    });
    proc.guard.once('exit', (code) => reject(new Error(`tail process exited with ${code}: ${stderr}`)));
  });
  return {
    port: started.port,
    stderr: () => stderr,
    async stop() {
      await stopGuarded(proc, [['SIGTERM', 10_000]]);
    },
    async kill9() {
      await stopGuarded(proc, [['SIGKILL', 5_000]]);
    },
  };
}

/** Reads the tailer's committed state as another process would. */
export function readTailState(stateDir: string): { offset: number; lines: number; hits: Map<string, number> } {
  const db = new Database(path.join(stateDir, 'casterpak.db'), { readonly: true, timeout: 5_000 });
  try {
    const cursor = db.prepare('SELECT offset FROM tail_cursor WHERE id = 1').get() as { offset: number } | undefined;
    const lines = db.prepare(`SELECT value FROM tail_counters WHERE name = 'lines'`).get() as { value: number } | undefined;
    const hits = new Map((db.prepare('SELECT path, hits FROM cache_files').all() as { path: string; hits: number }[]).map((r) => [r.path, r.hits]));
    return { offset: cursor?.offset ?? 0, lines: lines?.value ?? 0, hits };
  } finally {
    db.close();
  }
}
