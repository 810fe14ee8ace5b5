// The compiled command line (a tsc build of the current sources), run as a child process.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { compiledDaemon } from './compiled.js';

let cliMain: string | undefined;

/** Builds the sources once per content hash (shared with the other tests that need a compiled daemon). */
export async function ensureBuilt(): Promise<string> {
  cliMain ??= path.join(await compiledDaemon(), 'daemon', 'cli', 'main.js');
  return cliMain;
}

function built(): string {
  if (!cliMain) throw new Error('call ensureBuilt() first (in beforeAll)');
  return cliMain;
}

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `casterpakd <args>`, with the caller's environment plus `env`. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [built(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The same on a pseudo-terminal made by util-linux `script`, so the command believes a person watches; stdout and stderr arrive mixed. */
export function runCliOnTerminal(args: readonly string[]): Promise<CliResult> {
  const quoted = [process.execPath, built(), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, COLUMNS: '100' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr: '' }));
  });
}
