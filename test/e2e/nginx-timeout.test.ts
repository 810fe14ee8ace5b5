// A packaging run past packaging_timeout, through nginx: the daemon's 504 reaches the client, the packager's
// whole process group is gone, nothing is cached, and the timeout is counted in /metrics.

import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { countersSince, daemonCounters } from '../helpers/daemon-counters.js';
import { request } from '../helpers/http.js';
import { waitFor } from '../helpers/processes.js';
import { startStack, type Stack } from '../helpers/stack.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-timeout-'));
/** A minute of video that slow-ffmpeg packages at playing speed: far longer than the 4 s timeout below, whatever the load. */
const longClip = path.join(scratch, 'long.mp4');
const SLOW_FFMPEG = path.resolve('test/fixtures/bin/slow-ffmpeg');

interface ProcessFacts {
  command: string;
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

/** Every process on the machine that is still running (zombies are over: they only wait to be reaped). */
function runningProcesses(): ProcessFacts[] {
  const found: ProcessFacts[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (command) state ppid pgrp …: the command may hold spaces and parentheses, so split after the last ')'.
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') found.push({ command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), state });
    } catch {
      // It ended while we read.
    }
  }
  return found;
}

/** Running processes whose parent chain leads to `ancestor`. */
function descendantsOf(ancestor: number, all: ProcessFacts[]): ProcessFacts[] {
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => {
    for (let up = byPid.get(p.ppid); up; up = byPid.get(up.ppid)) if (up.pid === ancestor) return true;
    return p.ppid === ancestor;
  });
}

beforeAll(() => {
  makeClip(longClip, { durationSec: 60, size: '160x90', gopFrames: 25 });
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a packaging run longer than packaging_timeout, through nginx', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ packager: 'ffmpeg', segmentDurationSec: 2, extra: { ffmpeg_path: SLOW_FFMPEG, packaging_timeout: '4s' } });
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it("answers the daemon's 504 through nginx, leaves no process of the run and no file behind, and counts the timeout", async () => {
    const source = path.join(stack.daemon.mediaRoot, 'slow.mp4');
    copyFileSync(longClip, source);
    const before = await daemonCounters(stack.daemon);

    // A run whose kill missed part of its process group would hold the daemon's pipes open and never
    // answer: give up on the answer after a while and look at the processes first, which say why.
    const answer = await request({ port: stack.nginx.port, path: '/i/slow.mp4/index_0_av.m3u8', timeoutMs: 20_000 }).catch((err: Error) => err);

    // The wrapper (leader of the run's process group) and the ffmpeg it started: both gone, and nothing
    // else left in that group or under the daemon.
    const [wrapperPid, ffmpegPid] = readFileSync(`${source}.pids`, 'utf8').trim().split(' ').map(Number);
    expect(ffmpegPid).toBeGreaterThan(0);
    const leftovers = () => {
      const all = runningProcesses();
      return [...all.filter((p) => p.pid === wrapperPid || p.pid === ffmpegPid || p.pgid === wrapperPid), ...descendantsOf(stack.daemon.pid(), all)];
    };
    // The kill is sent before the 504; give the kernel a generous moment to finish the processes off.
    await waitFor('the timed-out run to leave no process', () => (leftovers().length === 0 ? true : undefined), 15_000).catch(() => undefined);
    expect(leftovers()).toEqual([]);

    // The daemon's own answer, not nginx's "504 Gateway Time-out" page: proxy_read_timeout waited for it.
    if (answer instanceof Error) throw answer;
    expect(answer.status).toBe(504);
    expect(answer.text()).toMatch(/^PACKAGER_TIMEOUT: packaging took longer than 4s/);
    const line = await waitFor('the log line of the 504', () => stack.logLines().find((l) => l.request_uri === '/i/slow.mp4/index_0_av.m3u8'));
    expect(line).toMatchObject({ status: '504' });
    expect(line.upstream_addr).not.toBe('');

    expect(stack.cacheFiles().filter((f) => f.includes('slow.mp4') || f.startsWith('.tmp/'))).toEqual([]);
    expect(existsSync(path.join(stack.daemon.cacheDir, 'i/slow.mp4/index_0_av.m3u8'))).toBe(false);
    expect(countersSince(before, await daemonCounters(stack.daemon))).toMatchObject({ misses: 1, packagingRuns: 1, packagingTimeouts: 1 });
  });
});
