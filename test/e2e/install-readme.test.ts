// The README's "Installing with nginx" commands, run as written on this host's real paths: npm pack, npm install -g, setup, a played stream, logrotate, cron, and all of it undone.

import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { REPO_ROOT } from '../helpers/compiled.js';
import { get } from '../helpers/http.js';
import { parseMedia } from '../helpers/m3u8.js';
import { decodeErrors } from '../helpers/probe.js';
import { spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from '../helpers/processes.js';

const USER = 'casterpak';
const CONFIG = '/etc/casterpak/casterpakd.toml';
const ACCESS_LOG = '/var/log/nginx/casterpak.access.log';
const SITE = '/etc/nginx/sites-available/default';
/** Everything setup creates on a fresh host; the directories below /srv and /var are its own. */
const CREATED = ['/etc/casterpak', '/srv/media', '/var/cache/casterpak', '/var/lib/casterpak', '/etc/nginx/conf.d/casterpak.conf', '/etc/nginx/snippets/casterpak-server.conf', '/etc/cron.d/casterpakd'];

const NGINX_PID = '/run/nginx.pid';

const hasUser = (name: string) => spawnSync('getent', ['passwd', name]).status === 0;
/** The host's own nginx (Debian's nginx.conf), by its pid file: other nginx processes on this host are not it. */
function hostNginxPid(): number | undefined {
  const pid = Number(existsSync(NGINX_PID) ? readFileSync(NGINX_PID, 'utf8').trim() : '');
  return pid > 0 && existsSync(`/proc/${pid}`) ? pid : undefined;
}
const hasGroup = (name: string) => spawnSync('getent', ['group', name]).status === 0;
/** Run only where it is safe: as root, on a Debian nginx that is stopped, without systemd as PID 1 (the cron path), and with no CasterPak installed. */
const fresh =
  process.getuid?.() === 0 && existsSync(SITE) && existsSync('/etc/logrotate.d/nginx') && !existsSync('/run/systemd/system') && hostNginxPid() === undefined && !hasUser(USER) && !hasGroup(USER) && CREATED.every((p) => !existsSync(p));

/** The commands of the README's first install block, one per line (comments and blank lines dropped). */
function readmeInstallCommands(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Installing with nginx\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
  return block.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/**
 * Lines this test cannot run, and what it does instead: the host already has Node.js 20, nginx and git;
 * the clone is a copy of this checkout's files as they are, with the node_modules `npm ci` made here.
 */
const STANDING_IN: ReadonlyArray<[RegExp, string]> = [
  [/^curl -fsSL https:\/\/deb\.nodesource\.com\/setup_20\.x \| sudo bash -$/, 'node'],
  [/^sudo apt-get install -y nodejs nginx-light git$/, 'packages'],
  [/^git clone <this repository> casterpak && cd casterpak$/, 'checkout'],
];

/** The README lines the tests below run as they are (npm ci aside), in the README's order. */
const RUN: readonly RegExp[] = [/^npm ci && npm pack /, /^sudo npm install -g \.\/casterpak-\*\.tgz /, /^sudo casterpakd setup --dry-run --site \/etc\/nginx\/sites-available\/default /, /^sudo casterpakd setup --site \/etc\/nginx\/sites-available\/default$/];

/** A clone of this checkout, uncommitted changes included (what git would not ignore), sharing its node_modules. */
function cloneHere(dir: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0');
  for (const file of files.filter((f) => f !== '' && existsSync(path.join(REPO_ROOT, f)))) cpSync(path.join(REPO_ROOT, file), path.join(dir, file));
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
}

let checkout = REPO_ROOT;

function sh(line: string): SpawnSyncReturns<string> {
  return spawnSync('sh', ['-c', line], { cwd: checkout, encoding: 'utf8', env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: os.homedir() } });
}

interface StatusJson {
  hits: { hits: number; misses: number };
  tailer: { counters: { lines: number; hits: number; misses: number; ignored: number; bad: number } };
}

/** `casterpakd status --json` as the daemon's user, by the name the global install put on PATH. */
function status(): StatusJson {
  return JSON.parse(execFileSync('runuser', ['-u', USER, '--', 'casterpakd', 'status', '--json', '--config', CONFIG], { encoding: 'utf8' })) as StatusJson;
}

/** The log's lines so far (the rotated file first), for a failure message: a line nginx did not write shows here. */
function loggedLines(): string {
  return [`${ACCESS_LOG}.1`, ACCESS_LOG].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).join('');
}

/** Waits until the tailer has read `lines` lines in all, then returns the counters. */
function counted(lines: number): Promise<StatusJson> {
  return waitFor(`${lines} log lines counted`, () => {
    const s = status();
    return s.tailer.counters.lines >= lines ? s : undefined;
  }, 30_000);
}

describe.skipIf(!fresh)('the README install, run as written on this host (root, Debian nginx, no systemd: the cron path)', () => {
  let scratch = '';
  let strayLog = '';
  const siteBefore = fresh ? readFileSync(SITE) : Buffer.alloc(0);
  let daemon: GuardedProcess | undefined;
  let setupOut = '';
  let segmentCount = 0;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-readme-install-'));
    strayLog = path.join(scratch, 'casterpak.access.log.before');
    checkout = path.join(scratch, 'casterpak');
    cloneHere(checkout);
    // A log left by something else would be read as this install's: keep it aside, put back at the end.
    if (existsSync(ACCESS_LOG)) renameSync(ACCESS_LOG, strayLog);
  });

  /** What undoing the install means: the daemon and nginx stopped, the package, user and files gone, the site as it was. */
  async function undo(): Promise<void> {
    if (daemon) await stopGuarded(daemon, [['SIGTERM', 10_000], ['SIGKILL', 5_000]]);
    daemon = undefined;
    const nginxPid = hostNginxPid();
    if (nginxPid !== undefined) {
      spawnSync('nginx', ['-s', 'quit']);
      await waitFor('nginx to quit', () => (existsSync(`/proc/${nginxPid}`) ? undefined : true), 20_000);
    }
    rmSync(NGINX_PID, { force: true });
    sh('npm uninstall -g casterpak');
    if (hasUser(USER)) spawnSync('userdel', [USER]);
    if (hasGroup(USER)) spawnSync('groupdel', [USER]);
    for (const p of CREATED) rmSync(p, { recursive: true, force: true });
    for (const name of readdirSync('/var/log/nginx').filter((n) => n.startsWith('casterpak.access.log'))) rmSync(path.join('/var/log/nginx', name));
    writeFileSync(SITE, siteBefore);
  }

  afterAll(async () => {
    await undo();
    if (strayLog !== '' && existsSync(strayLog)) renameSync(strayLog, ACCESS_LOG);
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it('has only lines this test runs as they are, or stands in for by checking the host', () => {
    const commands = readmeInstallCommands();
    const stoodIn = commands.filter((line) => STANDING_IN.some(([pattern]) => pattern.test(line)));
    expect(stoodIn).toHaveLength(STANDING_IN.length);
    // The rest, in this order, are what the tests below run: a line added to the README must be added here.
    expect(commands.filter((line) => !stoodIn.includes(line)).map((line) => RUN.findIndex((pattern) => pattern.test(line)))).toEqual([0, 1, 2, 3]);
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
    for (const program of ['nginx', 'git', 'npm']) expect(sh(`command -v ${program}`).status).toBe(0);
    expect(readFileSync(path.join(checkout, 'README.md'), 'utf8')).toBe(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
    expect(existsSync(path.join(checkout, 'node_modules/typescript'))).toBe(true);
  });

  it('packs the checkout and installs it globally: casterpakd is on PATH, running the installed package', () => {
    const [pack, install] = RUN.slice(0, 2).map((pattern) => readmeInstallCommands().find((line) => pattern.test(line))!);
    // `npm ci` would replace the node_modules the clone shares with this checkout; the pack after it runs as written.
    const packed = sh(pack.replace(/^npm ci && /, ''));
    expect(packed.status, packed.stderr).toBe(0);
    const installed = sh(install);
    expect(installed.status, installed.stderr).toBe(0);
    const bin = sh('command -v casterpakd').stdout.trim();
    expect(bin).toBe(path.join(sh('npm prefix -g').stdout.trim(), 'bin/casterpakd'));
    expect(sh('casterpakd --version').stdout.trim()).toBe(JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version);
  }, 600_000);

  it('setup --dry-run prints every step and changes nothing', () => {
    const dryRun = readmeInstallCommands().find((line) => RUN[2].test(line))!;
    const run = sh(dryRun);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^would +system user casterpak /m);
    expect(run.stdout).toMatch(/^would +cron file \/etc\/cron\.d\/casterpakd /m);
    expect(hasUser(USER)).toBe(false);
    for (const p of CREATED) expect(existsSync(p), p).toBe(false);
    expect(readFileSync(SITE)).toEqual(siteBefore);
  });

  it('setup installs the user, directories, config, nginx include and cron file, starts nginx, and passes check', () => {
    const setup = readmeInstallCommands().find((line) => RUN[3].test(line))!;
    const run = sh(setup);
    setupOut = run.stdout;
    expect(run.stderr).toBe('');
    expect(run.status, run.stdout).toBe(0);
    // Debian's package leaves nginx stopped where services may not start: setup started it.
    expect(run.stdout).toMatch(/^done +reload nginx \(started if it was not running\) \(it was not running: started\)$/m);
    expect(hostNginxPid()).toBeDefined();
    expect(run.stdout).toMatch(/^ +ok +access_log: /m);
    expect(execFileSync('id', ['-nG', USER], { encoding: 'utf8' }).trim().split(/\s+/).sort()).toEqual(['adm', USER].sort());
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect([mode('/srv/media'), mode('/var/cache/casterpak'), mode('/var/lib/casterpak')]).toEqual(['755', '755', '750']);
    expect(readFileSync(SITE, 'utf8').match(/^\tinclude snippets\/casterpak-server\.conf;$/gm)).toHaveLength(1);
    // nginx made the log at `nginx -t`, as root and world-readable, before any rotation.
    const log = statSync(ACCESS_LOG);
    expect([log.uid, log.gid, (log.mode & 0o777).toString(8)]).toEqual([0, 0, '644']);
  });

  it('answers a miss with 502 until the daemon runs, then plays a rendition from /srv/media through nginx on port 80, with the daemon started as setup says, and counts exact hits', async () => {
    makeClip('/srv/media/clip.mp4', { durationSec: 25 });
    // nginx is up and the daemon not yet: a miss is nginx's 502 (logged, and counted as ignored).
    expect((await get(80, '/i/clip.mp4/index_0_av.m3u8')).status).toBe(502);

    // Without systemd setup prints the command that starts the daemon, for the operator's supervisor.
    const start = /^skipped +start the daemon \(systemd is not PID 1: start `(.+)` under your supervisor\)$/m.exec(setupOut)![1];
    // node with the V8 flag of casterpakd's own #! line, then the entry point.
    expect(start).toMatch(/^runuser -u casterpak -- \S+ --initial-old-space-size=64 \S+\/lib\/node_modules\/casterpak\/dist\/daemon\/cli\/main\.js serve --config \/etc\/casterpak\/casterpakd\.toml$/);
    // Plain words, as setup quotes only what needs it.
    const [program, ...args] = start.split(' ');
    daemon = await spawnGuarded(program, args);
    await waitFor('the daemon', async () => ((await get(8081, '/healthz').catch(() => undefined))?.status === 200 ? true : undefined), 30_000);

    const playlist = await get(80, '/i/clip.mp4/index_0_av.m3u8');
    expect(playlist.status).toBe(200);
    const segments = parseMedia(playlist.text()).entries;
    segmentCount = segments.length;
    expect(segmentCount).toBeGreaterThan(1);
    const bytes: Buffer[] = [];
    for (const segment of segments) {
      const response = await get(80, path.posix.join('/i/clip.mp4/', segment.uri));
      expect(response.status).toBe(200);
      bytes.push(response.body);
    }
    writeFileSync(path.join(scratch, 'played.ts'), Buffer.concat(bytes));
    expect(await decodeErrors(path.join(scratch, 'played.ts'))).toBe('');
    expect((await get(80, '/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);

    // The 502, then every request a miss once (the playlist and each segment), then the playlist a hit: nothing else.
    const s = await counted(segmentCount + 3);
    expect(s.tailer.counters, loggedLines()).toMatchObject({ lines: segmentCount + 3, hits: 1, misses: segmentCount + 1, ignored: 1, bad: 0 });
    expect(s.hits).toMatchObject({ hits: 1, misses: segmentCount + 1 });
  });

  it('adds no hit for the status page player or a ?b= master, only what the log says', async () => {
    expect((await get(8081, '/_casterpak/play/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect((await get(80, '/i/,clip,.mp4.csmil/master.m3u8?b=0-')).status).toBe(200);
    expect((await get(80, '/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    const s = await counted(segmentCount + 5);
    expect(s.tailer.counters, loggedLines()).toMatchObject({ lines: segmentCount + 5, hits: 2, misses: segmentCount + 1, ignored: 2, bad: 0 });
    expect(s.hits).toMatchObject({ hits: 2, misses: segmentCount + 1 });
  });

  it("keeps counting across a rotation by Debian's /etc/logrotate.d/nginx, and check still opens the new 0640 www-data:adm log", async () => {
    // Debian's stanza as shipped, for this log only. Its postrotate, `invoke-rc.d nginx rotate`, runs
    // `/etc/init.d/nginx rotate` (USR1 by the pid file); a container's policy-rc.d forbids invoke-rc.d, so
    // the test names the script itself.
    const debian = readFileSync('/etc/logrotate.d/nginx', 'utf8');
    expect(debian).toMatch(/^\/var\/log\/nginx\/\*\.log \{$/m);
    expect(debian).toMatch(/^\tcreate 0640 www-data adm$/m);
    expect(debian).toMatch(/^\t\tinvoke-rc\.d nginx rotate >\/dev\/null 2>&1$/m);
    const conf = path.join(scratch, 'logrotate.conf');
    writeFileSync(conf, debian.replace('/var/log/nginx/*.log {', `${ACCESS_LOG} {`).replace('invoke-rc.d nginx rotate', '/etc/init.d/nginx rotate'));
    const rotate = spawnSync('logrotate', ['-f', '-s', path.join(scratch, 'logrotate.state'), conf], { encoding: 'utf8' });
    expect(rotate.stderr).toBe('');
    expect(rotate.status).toBe(0);
    expect(existsSync(`${ACCESS_LOG}.1`)).toBe(true);
    const log = statSync(ACCESS_LOG);
    const wwwData = Number(execFileSync('id', ['-u', 'www-data'], { encoding: 'utf8' }));
    expect([log.uid, log.gid, (log.mode & 0o777).toString(8)]).toEqual([wwwData, 4, '640']);

    for (let i = 0; i < 3; i++) expect((await get(80, '/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    await waitFor('nginx to write the new file', () => (statSync(ACCESS_LOG).size > 0 ? true : undefined), 10_000);
    expect(readFileSync(ACCESS_LOG, 'utf8').trim().split('\n')).toHaveLength(3);
    const s = await counted(segmentCount + 8);
    expect(s.tailer.counters, loggedLines()).toMatchObject({ lines: segmentCount + 8, hits: 5, misses: segmentCount + 1, ignored: 2, bad: 0 });

    const check = spawnSync('runuser', ['-u', USER, '--', 'casterpakd', 'check', '--config', CONFIG], { encoding: 'utf8' });
    expect(check.stdout).toMatch(/^ok +access_log: /m);
    expect(check.status).toBe(0);
  });

  it('runs the cron line as cron would (PATH=/usr/bin:/bin, as the user named in it), printing nothing', () => {
    const cron = readFileSync('/etc/cron.d/casterpakd', 'utf8');
    expect(cron).toContain('\nPATH=/usr/bin:/bin\n');
    const line = cron.split('\n').find((l) => l.startsWith('*/5 '))!;
    const [, , , , , user, ...command] = line.split(' ');
    expect(user).toBe(USER);
    const run = spawnSync('runuser', ['-u', user, '--', 'env', '-i', 'PATH=/usr/bin:/bin', 'sh', '-c', command.join(' ')], { encoding: 'utf8', cwd: '/' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('undoes everything: daemon and nginx stopped, package, user, group, directories, nginx files and cron file gone, the site as it was', async () => {
    await undo();
    expect(sh('command -v casterpakd').status).not.toBe(0);
    expect(hasUser(USER)).toBe(false);
    expect(hasGroup(USER)).toBe(false);
    for (const p of CREATED) expect(existsSync(p), p).toBe(false);
    expect(readFileSync(SITE)).toEqual(siteBefore);
    expect(readdirSync('/var/log/nginx').filter((n) => n.startsWith('casterpak.'))).toEqual([]);
    expect(hostNginxPid()).toBeUndefined();
    expect(spawnSync('nginx', ['-t', '-q']).status).toBe(0);
  }, 120_000);
});
