// Runs an external packager: argument vector only (no shell), bounded stderr, abortable.

import { spawn } from 'node:child_process';
import { CasterpakError } from '../errors.js';

export interface ToolResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last few KiB of stderr, enough for the reason and never unbounded. */
  readonly stderr: string;
  readonly stdout: string;
}

const MAX_CAPTURE_BYTES = 16 * 1024;

function keepTail(current: string, chunk: Buffer): string {
  const next = current + chunk.toString('utf8');
  return next.length > MAX_CAPTURE_BYTES ? next.slice(-MAX_CAPTURE_BYTES) : next;
}

/** The descriptor number an input handed to a tool has in the tool's process (after stdin, stdout, stderr). */
export const TOOL_INPUT_FD = 3;

/** The path by which a tool opens the input handed to it: the already open file, whatever its name now points to. */
export const TOOL_INPUT_PATH = `/dev/fd/${TOOL_INPUT_FD}`;

/**
 * Resolves with the result whatever the exit code; rejects PACKAGER_UNAVAILABLE when the program is missing.
 * Aborting kills its process group. `inputFd`, when given, is the tool's descriptor TOOL_INPUT_FD.
 */
export function runTool(command: string, args: readonly string[], signal?: AbortSignal, inputFd?: number): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills the tool and anything it started (a wrapper's children too).
    const stdio = inputFd === undefined ? (['ignore', 'pipe', 'pipe'] as const) : (['ignore', 'pipe', 'pipe', inputFd] as const);
    const child = spawn(command, args, { stdio: [...stdio], detached: true });
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    if (signal?.aborted) killGroup();
    signal?.addEventListener('abort', killGroup, { once: true });
    let stderr = '';
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout = keepTail(stdout, chunk)));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = keepTail(stderr, chunk)));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EACCES') {
        reject(new CasterpakError('PACKAGER_UNAVAILABLE', `cannot run ${command}: ${err.code}`, { command }));
      } else {
        reject(err);
      }
    });
    child.on('close', (exitCode, exitSignal) => {
      signal?.removeEventListener('abort', killGroup);
      resolve({ exitCode, signal: exitSignal, stderr, stdout });
    });
  });
}

/** The first non-empty line of a tool's output, trimmed (for version lines). */
export function firstLine(text: string, pattern?: RegExp): string | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return pattern ? lines.find((l) => pattern.test(l)) : lines[0];
}
