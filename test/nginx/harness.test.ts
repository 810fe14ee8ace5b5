// The nginx test harness itself: reload, log reopening after rotation, and no process left behind.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { assertDistFresh } from '../helpers/compiled.js';
import { REPO_ROOT } from '../helpers/daemon.js';
import { get } from '../helpers/http.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { childPids, isAlive, waitFor } from '../helpers/processes.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-harness-'));
const config = validateConfig({ cache_dir: path.join(scratch, 'cache'), access_log: path.join(scratch, 'log', 'casterpak.access.log'), listen: '127.0.0.1:9' });
let nginx: RunningNginx | undefined;

beforeAll(async () => {
  // One test runs the compiled harness (dist/test/helpers) in another process.
  assertDistFresh();
  nginx = await startNginx({ config });
});

afterAll(async () => {
  await nginx?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the nginx harness', () => {
  it('reloads onto new workers', async () => {
    const n = nginx as RunningNginx;
    const before = childPids(n.pid);
    await n.reload();
    const after = childPids(n.pid);
    expect(after.some((pid) => !before.includes(pid))).toBe(true);
    expect((await get(n.port, '/i/x.mp4/index_0_av.m3u8')).status).toBe(502);
  });

  it('reopens the access log after a rename rotation, so new lines go to the new file', async () => {
    const n = nginx as RunningNginx;
    await get(n.port, '/i/before.mp4/index_0_av.m3u8');
    renameSync(n.accessLogPath, `${n.accessLogPath}.1`);
    await get(n.port, '/i/late.mp4/index_0_av.m3u8');
    await n.reopenLogs();
    await get(n.port, '/i/after.mp4/index_0_av.m3u8');
    const old = readFileSync(`${n.accessLogPath}.1`, 'utf8');
    const fresh = readFileSync(n.accessLogPath, 'utf8');
    expect(old).toMatch(/before\.mp4[\s\S]*late\.mp4/);
    expect(fresh).toMatch(/after\.mp4/);
    expect(fresh).not.toMatch(/before|late/);
  });

  it('leaves no nginx behind when the process that started it is killed outright', async () => {
    // A separate Node process starts nginx through the compiled harness, reports the pids, and is SIGKILLed.
    const script = `
      import { startNginx } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/test/helpers/nginx.js'))};
      import { childPids } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/test/helpers/processes.js'))};
      import { validateConfig } from ${JSON.stringify(path.join(REPO_ROOT, 'dist/daemon/config.js'))};
      const n = await startNginx({ config: validateConfig(${JSON.stringify({ cache_dir: path.join(scratch, 'c2'), access_log: path.join(scratch, 'l2', 'a.log') })}) });
      process.stdout.write(JSON.stringify([n.pid, ...childPids(n.pid)]) + '\\n');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let pids: number[] = [];
    try {
      pids = await waitFor('the nginx pids', () => (out.includes('\n') ? (JSON.parse(out) as number[]) : undefined), 20_000);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      expect(pids.every(isAlive)).toBe(true);
      child.kill('SIGKILL');
      await waitFor('nginx master and workers to be gone', () => (pids.some(isAlive) ? undefined : true), 5_000);
    } finally {
      // Whatever failed above, this test leaves nothing running.
      child.kill('SIGKILL');
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  });
});
