// systemd accepts the units as shipped: `systemd-analyze verify`, the hardening score and the timer's schedule.

import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitText } from '../../daemon/cli/setup/files.js';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const HOST_UNITS = '/usr/lib/systemd/system';
const UNITS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../systemd');
const UNITS = ['casterpakd.service', 'casterpakd-prune.service', 'casterpakd-prune.timer'];
const available = existsSync(SYSTEMD_ANALYZE) && existsSync(HOST_UNITS);

let root = '';

function analyze(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(SYSTEMD_ANALYZE, args, { encoding: 'utf8', cwd: root });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function execStartPath(unit: string): string {
  const line = readFileSync(path.join(UNITS_DIR, unit), 'utf8').match(/^ExecStart=(\S+)/m);
  if (!line) throw new Error(`${unit} has no ExecStart`);
  return line[1];
}

// Skipped only where systemd is not installed at all (CI installs it): the reason shows in the report.
describe.skipIf(!available)('systemd units (skipped: systemd-analyze or the host unit tree is absent)', () => {
  beforeAll(() => {
    // An offline root: the host's own units (sysinit.target, timers.target, …), ours in /etc, and
    // an executable where ExecStart points, since `verify` checks that the command exists.
    root = mkdtempSync(path.join(os.tmpdir(), 'casterpak-systemd-'));
    cpSync(HOST_UNITS, path.join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
    for (const unit of UNITS) cpSync(path.join(UNITS_DIR, unit), path.join(root, 'etc/systemd/system', unit));
    const exec = path.join(root, execStartPath('casterpakd.service'));
    mkdirSync(path.dirname(exec), { recursive: true });
    writeFileSync(exec, '#!/bin/sh\n');
    chmodSync(exec, 0o755);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('verifies all three units without a single warning', () => {
    const result = analyze(['verify', `--root=${root}`, ...UNITS]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('reports a unit with a bad setting, so that the check above can fail', () => {
    const broken = path.join(root, 'etc/systemd/system/casterpak-broken.service');
    writeFileSync(broken, '[Service]\nExecStart=/usr/bin/casterpakd serve\nRestart=sometimes\n');
    const result = analyze(['verify', `--root=${root}`, 'casterpak-broken.service']);
    rmSync(broken);
    expect(result.output).toMatch(/restart specifier/i);
  });

  it.each(['casterpakd.service', 'casterpakd-prune.service'])('hardens %s to an exposure level of 2.5 or less', (unit) => {
    const result = analyze(['security', '--offline=true', `--root=${root}`, unit]);
    const level = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(result.output)?.[1]);
    expect(level).toBeLessThanOrEqual(2.5);
  });

  it('runs the same command as the daemon for prune, under the same user', () => {
    expect(execStartPath('casterpakd-prune.service')).toBe(execStartPath('casterpakd.service'));
    const user = (unit: string) => readFileSync(path.join(UNITS_DIR, unit), 'utf8').match(/^User=(\S+)/m)?.[1];
    expect(user('casterpakd-prune.service')).toBe(user('casterpakd.service'));
  });

  it('reports an unparsable memory or task limit, so that the limits below are checked by verify', () => {
    const broken = path.join(root, 'etc/systemd/system/casterpak-limits.service');
    writeFileSync(broken, '[Service]\nExecStart=/usr/bin/casterpakd serve\nMemoryMax=lots\nTasksMax=many\n');
    const result = analyze(['verify', `--root=${root}`, 'casterpak-limits.service']);
    rmSync(broken);
    expect(result.output).toMatch(/Invalid memory limit 'lots'/);
    expect(result.output).toMatch(/Invalid maximum tasks value 'many'/);
  });

  it.each([
    ['casterpakd.service', ['MemoryHigh', 'MemoryMax', 'TasksMax', 'LimitNOFILE']],
    ['casterpakd-prune.service', ['MemoryHigh', 'MemoryMax', 'TasksMax']],
  ])('bounds the memory and tasks of %s', (unit, keys) => {
    // Their syntax is verify's business (the first test, and the next one shows it rejects a bad limit).
    const shown = readFileSync(path.join(UNITS_DIR, unit), 'utf8');
    const values = Object.fromEntries(keys.map((key) => [key, new RegExp(`^${key}=(\\S+)`, 'm').exec(shown)?.[1]]));
    for (const key of keys) {
      expect(values[key], `${unit} sets ${key}`).toBeDefined();
      expect(values[key]).not.toMatch(/^(infinity)?$/);
    }
    const bytes = (v: string) => Number(/^(\d+)/.exec(v)?.[1]) * ({ K: 2 ** 10, M: 2 ** 20, G: 2 ** 30 }[v.slice(-1)] ?? 1);
    // MemoryHigh throttles before MemoryMax kills; both above the peaks measured for the unit (see its comments).
    expect(bytes(values.MemoryHigh)).toBeLessThan(bytes(values.MemoryMax));
    expect(bytes(values.MemoryHigh)).toBeGreaterThanOrEqual(512 * 2 ** 20);
    expect(Number(values.TasksMax)).toBeGreaterThanOrEqual(16);
  });

  it('verifies the units as `casterpakd setup` writes them: its user, node and entry point, config and directories', () => {
    const dir = path.join(root, 'etc/systemd/system');
    const values = {
      user: 'casterpak-media',
      command: ['/opt/node20/bin/node', '/usr/lib/node_modules/casterpak/dist/daemon/cli/main.js'],
      configFile: '/etc/casterpak/site a.toml',
      cacheDir: '/srv/cache/casterpak',
      stateDir: '/var/lib/casterpak',
    };
    mkdirSync(path.join(root, '/opt/node20/bin'), { recursive: true });
    writeFileSync(path.join(root, '/opt/node20/bin/node'), '#!/bin/sh\n');
    chmodSync(path.join(root, '/opt/node20/bin/node'), 0o755);
    const names = UNITS.map((unit) => unit.replace('casterpakd', 'casterpakd-setup'));
    for (const [i, unit] of UNITS.entries()) writeFileSync(path.join(dir, names[i]), unitText(readFileSync(path.join(UNITS_DIR, unit), 'utf8'), values).replace(/casterpakd-prune\.service/g, 'casterpakd-setup-prune.service'));
    const result = analyze(['verify', `--root=${root}`, ...names]);
    const prune = readFileSync(path.join(dir, 'casterpakd-setup-prune.service'), 'utf8');
    for (const name of names) rmSync(path.join(dir, name));
    expect(result.output).toBe('');
    expect(prune).toMatch(/^User=casterpak-media$/m);
    expect(prune).toContain(`ExecStart=/opt/node20/bin/node /usr/lib/node_modules/casterpak/dist/daemon/cli/main.js prune --quiet --config '/etc/casterpak/site a.toml'\n`);
    expect(prune).toMatch(/^ReadWritePaths=\/srv\/cache\/casterpak \/var\/lib\/casterpak$/m);
  });

  it('schedules prune every 5 minutes', () => {
    const spec = readFileSync(path.join(UNITS_DIR, 'casterpakd-prune.timer'), 'utf8').match(/^OnCalendar=(.+)$/m)?.[1];
    const result = analyze(['calendar', '--iterations=3', spec ?? '']);
    const times = [...result.output.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/g)].map((m) => Date.parse(`${m[1]}Z`));
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBe(300_000);
    expect(times[2] - times[1]).toBe(300_000);
  });
});
