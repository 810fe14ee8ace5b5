// Starts the compiled tailer in a child process (tail-child.mjs) and reads its state from SQLite, read-only.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { TailerOptions } from '../../daemon/tail/tailer.js';
import { compiledDaemon } from '../helpers/compiled.js';
import { exited, signalAndWait } from '../helpers/processes.js';

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
  readonly child: ChildProcess;
  /** The HTTP port when `http` was asked for. */
  readonly port: number;
  /** What the process wrote to stderr (its warnings and errors). */
  stderr(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export async function startTailProcess(args: TailProcessArgs): Promise<TailProcess> {
  const root = await compiledDaemon();
  const child = spawn(process.execPath, [CHILD_SCRIPT, root, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = await new Promise<{ port: number }>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const newline = stdout.indexOf('\n');
      if (newline !== -1) resolve(JSON.parse(stdout.slice(0, newline)) as { port: number });
    });
    child.once('exit', (code) => reject(new Error(`tail process exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    port: started.port,
    stderr: () => stderr,
    async stop() {
      if (!(await signalAndWait(child, 'SIGTERM', 10_000))) throw new Error(`tail process did not stop: ${stderr}`);
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited(child);
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
