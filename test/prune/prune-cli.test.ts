import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_EXIT } from '../../daemon/cli/commands/prune.js';
import type { PruneReport } from '../../daemon/prune/run-prune.js';
import type { CacheStatus } from '../../daemon/status/cache-status.js';
import { accessLine } from '../helpers/access-log.js';
import { compiledDaemon } from '../helpers/compiled.js';
import { pruneFixture, requireFourKiBBlocks, type PruneFixture } from './prune-fixture.js';

let cliMain = '';

beforeAll(async () => {
  cliMain = path.join(await compiledDaemon(), 'daemon', 'cli', 'main.js');
});

function configFile(f: PruneFixture, extra = ''): string {
  const file = path.join(path.dirname(f.config.stateDir), 'casterpakd.toml');
  const c = f.config;
  writeFileSync(file, [`media_root = "${c.mediaRoot}"`, `cache_dir = "${c.cacheDir}"`, `state_dir = "${c.stateDir}"`, `access_log = "${c.accessLog}"`, `mode = "${c.mode}"`, extra].join('\n'));
  return file;
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CASTERPAK_')));
    const child = spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('casterpakd prune and status on the command line', () => {
  it('prints what a dry run would evict as JSON, exits 0, and deletes nothing', async (ctx) => {
    const f = pruneFixture();
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    f.addFile('i/a.mp4/segment1_0_av.ts', { accessedAgoH: 30 });
    f.addFile('i/a.mp4/segment2_0_av.ts', { accessedAgoH: 1 });
    const result = await cli(['prune', '--config', configFile(f), '--dry-run', '--json', '--ttl', '12h']);
    expect(result.code).toBe(PRUNE_EXIT.ok);
    const report = JSON.parse(result.stdout) as PruneReport;
    expect(report.dryRun).toBe(true);
    expect(report.ttl.sec).toBe(12 * 3600);
    expect(report.evicted.files).toEqual([{ path: 'i/a.mp4/segment1_0_av.ts', bytes: 4096, reason: 'ttl' }]);
    expect(f.diskFiles()).toHaveLength(2);
  });

  it('evicts down to --max-size and says so in one summary', async (ctx) => {
    const f = pruneFixture();
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    for (let age = 1; age <= 4; age += 1) f.addFile(`i/b.mp4/segment${age}_0_av.ts`, { accessedAgoH: age });
    const result = await cli(['prune', '--config', configFile(f), '--max-size', '12KiB']);
    expect(result.code).toBe(PRUNE_EXIT.ok);
    expect(result.stdout).toMatch(/prune: evicted 2 files \(8\.0 KiB\), 0 whole packages \[size-cap 2\]/);
    expect(f.diskFiles()).toEqual(['i/b.mp4/segment1_0_av.ts', 'i/b.mp4/segment2_0_av.ts']);
  });

  it('exits 2 on bad usage', async () => {
    const f = pruneFixture();
    for (const args of [['--ttl', 'soon'], ['--max-size', 'big'], ['--no-such-flag']]) {
      const result = await cli(['prune', '--config', configFile(f), ...args]);
      expect(result.code, args.join(' ')).toBe(PRUNE_EXIT.usage);
      expect(result.stderr).not.toBe('');
    }
  });

  it('exits 3 when the tailer is behind, after doing everything but the TTL; --force exits 0', async () => {
    const f = pruneFixture({ mode: 'nginx' });
    f.addFile('i/c.mp4/segment1_0_av.ts', { accessedAgoH: 100 });
    writeFileSync(f.config.accessLog, accessLine('i/c.mp4/segment1_0_av.ts', Date.now() - 3_600_000));
    const refused = await cli(['prune', '--config', configFile(f, '[prune]\nttl = "1h"')]);
    expect(refused.code).toBe(PRUNE_EXIT.ttlRefused);
    expect(refused.stdout).toMatch(/TTL not applied: the access log .* has never been read/);
    expect(f.diskFiles()).toHaveLength(1);
    const forced = await cli(['prune', '--config', configFile(f, '[prune]\nttl = "1h"'), '--force']);
    expect(forced.code).toBe(PRUNE_EXIT.ok);
    expect(f.diskFiles()).toHaveLength(0);
  });

  it('with --quiet prints nothing after a run that went well, and the summary on stderr when the TTL was refused', async () => {
    const f = pruneFixture({ mode: 'nginx' });
    f.addFile('i/q.mp4/segment1_0_av.ts', { accessedAgoH: 100 });
    const quiet = await cli(['prune', '--quiet', '--config', configFile(f, '[prune]\nttl = "1h"')]);
    expect(quiet).toMatchObject({ code: PRUNE_EXIT.ok, stdout: '', stderr: '' });
    expect(f.diskFiles()).toHaveLength(0);
    f.addFile('i/q.mp4/segment2_0_av.ts', { accessedAgoH: 100 });
    writeFileSync(f.config.accessLog, accessLine('i/q.mp4/segment2_0_av.ts', Date.now() - 3_600_000));
    const refused = await cli(['prune', '--quiet', '--config', configFile(f, '[prune]\nttl = "1h"')]);
    expect(refused.code).toBe(PRUNE_EXIT.ttlRefused);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/TTL not applied: the access log .* has never been read/);
  });

  it('exits 1 when the config is invalid', async () => {
    const f = pruneFixture();
    const result = await cli(['prune', '--config', configFile(f, '[prune]\nlow_water = 7')]);
    expect(result.code).toBe(PRUNE_EXIT.error);
    expect(result.stderr).toMatch(/prune\.low_water/);
  });

  it('shows the numbers SQLite holds, as text and as JSON', async (ctx) => {
    const f = pruneFixture({ prune: { max_size: '1MiB' } });
    requireFourKiBBlocks(ctx, f.config.cacheDir);
    const id = f.addPackage('show.mp4', 'segment');
    f.addFile('i/show.mp4/segment1_0_av.ts', { packageId: id, accessedAgoH: 2 });
    f.addFile('i/show.mp4/segment2_0_av.ts', { packageId: id, accessedAgoH: 1 });
    f.store.recordAccesses([{ path: 'i/show.mp4/segment1_0_av.ts', accessMs: Date.now(), hits: 9 }]);
    const config = configFile(f, '[prune]\nmax_size = "1MiB"');
    const json = await cli(['status', '--config', config, '--json']);
    expect(json.code).toBe(0);
    const status = JSON.parse(json.stdout) as CacheStatus;
    expect(status.cache).toMatchObject({ files: 2, packages: 1, bytes: 8192, maxSizeBytes: 2 ** 20 });
    expect(status.topRenditions).toEqual([expect.objectContaining({ source: 'show.mp4', files: 2, hits: 9 })]);
    expect(status.access.newestAccessMs).toBeGreaterThan(Date.now() - 60_000);
    const text = await cli(['status', '--config', config]);
    expect(text.stdout).toMatch(/^cache {5}8\.0 KiB of 1\.0 MiB cap \(1%\), 2 files, 1 packages/m);
    expect(text.stdout).toMatch(/^ +9 +2 +8\.0 KiB {2}show\.mp4$/m);
  });
});
