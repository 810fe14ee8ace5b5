// Child processes for tests: free loopback ports, waiting with a deadline, and a kill-on-exit safety net.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** A TCP port that was free a moment ago on 127.0.0.1 (the caller retries if it is taken meanwhile). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await sleep(50);
  }
}

/** Process ids whose parent is `ppid`, read from /proc (nginx's workers are the master's children). */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces: state ppid …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) pids.push(Number(entry));
    } catch {
      // The process ended while we were reading.
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Process groups started by the tests: killed when the test process exits, whatever happened. */
const groups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Remembers a detached child's process group so that it never outlives the test process. */
export function trackGroup(pgid: number): void {
  groups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of groups) killGroup(group);
  });
}

/** Kills a tracked group (every process left in it) and forgets it. */
export function killTrackedGroup(pgid: number): void {
  killGroup(pgid);
  groups.delete(pgid);
}

/**
 * The guard: runs the command in the background, and kills its whole process group once its stdin
 * (a pipe from the test process) closes. A test process that dies in any way, SIGKILL included,
 * closes that pipe: nothing it started outlives it.
 */
const GUARD_SCRIPT = [
  // sh gives background jobs /dev/null as stdin: keep the pipe on fd 3 for the watcher.
  'exec 3<&0',
  '"$@" </dev/null 3<&- & child=$!',
  // dash's kill takes no `--`: a negative pid is the process group.
  '{ cat <&3 >/dev/null; kill -KILL -$$; } &',
  'exec 3<&-',
  'wait "$child"',
].join('\n');

export interface GuardedProcess {
  /** The guard shell: leader of the process group holding the command and everything it starts. */
  guard: ChildProcess;
  /** The command's own pid (signal it for reload, graceful stop). */
  pid: number;
}

/** Spawns `command` under the guard, in a new process group; stdout and stderr are piped. */
export async function spawnGuarded(command: string, args: string[], options: Pick<SpawnOptions, 'env' | 'cwd'> = {}): Promise<GuardedProcess> {
  const guard = spawn('/bin/sh', ['-c', GUARD_SCRIPT, 'casterpak-test-guard', command, ...args], {
    ...options,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (guard.pid === undefined) throw new Error(`cannot start ${command}`);
  trackGroup(guard.pid);
  const guardPid = guard.pid;
  // The command is the guard's child that is not the `cat` watcher's subshell: the one running `command`.
  const pid = await waitFor(`${command} to start`, () => {
    if (guard.exitCode !== null) throw new Error(`${command} exited at once`);
    return childPids(guardPid).find((p) => commandOf(p) === path.basename(command));
  });
  return { guard, pid };
}

/** The executable name of a process (`nginx`, `node`), or '' once it has gone. */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Stops a guarded command: each signal in turn to the command, waiting for it to exit, then SIGKILL
 * to the whole group whatever happened (a master killed hard would leave its workers behind).
 */
export async function stopGuarded(proc: GuardedProcess, steps: Array<[NodeJS.Signals, number]>): Promise<void> {
  for (const [signal, ms] of steps) {
    if (proc.guard.exitCode !== null || proc.guard.signalCode !== null) break;
    try {
      process.kill(proc.pid, signal);
    } catch {
      break;
    }
    if (await Promise.race([exited(proc.guard).then(() => true), sleep(ms).then(() => false)])) break;
  }
  if (proc.guard.pid !== undefined) killTrackedGroup(proc.guard.pid);
  await exited(proc.guard);
}
