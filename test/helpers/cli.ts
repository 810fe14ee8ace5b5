// The compiled command line (dist/), built once when the sources are newer, and run as a child process.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const CLI_MAIN = path.resolve('dist/daemon/cli/main.js');

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(full) : entry.name.endsWith('.ts') ? statSync(full).mtimeMs : 0);
  }
  return newest;
}

function isFresh(): boolean {
  try {
    return statSync(CLI_MAIN).mtimeMs >= newestSourceMs(path.resolve('daemon'));
  } catch {
    return false;
  }
}

/** Runs `tsc -p tsconfig.json` unless dist/ is newer than daemon/; one build at a time across test workers. */
export async function ensureBuilt(): Promise<void> {
  const lock = path.join(tmpdir(), `casterpak-build-${createHash('sha1').update(process.cwd()).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for too long`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (!isFresh()) execFileSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { stdio: 'pipe' });
  } finally {
    rmdirSync(lock);
  }
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `casterpakd <args>` with no config file of the machine's (`--config /dev/null` unless given). */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The same, on a pseudo-terminal made by util-linux `script`, so the command believes a person watches. */
export function runCliOnTerminal(args: readonly string[]): Promise<CliResult> {
  const quoted = [process.execPath, CLI_MAIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '100' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr: '' }));
  });
}
