// The documented production install, run for real as root under a temporary root: setup, nginx, the daemon as its own user, a rotation and the cron line.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { makeClip } from '../helpers/clip.js';
import { get } from '../helpers/http.js';
import { parseMedia } from '../helpers/m3u8.js';
import { NGINX_BIN } from '../helpers/nginx.js';
import { decodeErrors } from '../helpers/probe.js';
import { freePort, spawnGuarded, stopGuarded, waitFor, type GuardedProcess } from '../helpers/processes.js';

const isRoot = process.getuid?.() === 0;

interface Install {
  root: string;
  user: string;
  nginxPort: number;
  daemonPort: number;
  configFile: string;
  accessLog: string;
  flags: string[];
}

function newInstall(nginxPort: number, daemonPort: number): Install {
  const root = mkdtempSync(path.join(os.tmpdir(), 'casterpak-install-'));
  // nginx's workers (www-data) walk down to the cache through it.
  chmodSync(root, 0o755);
  const at = (p: string) => path.join(root, p);
  const configFile = at('etc/casterpak/casterpakd.toml');
  const accessLog = at('var/log/nginx/casterpak.access.log');
  const flags = ['--root', root, '--config', configFile, '--media-root', at('srv/media'), '--cache-dir', at('var/cache/casterpak'), '--state-dir', at('var/lib/casterpak')];
  flags.push('--access-log', accessLog, '--listen', `127.0.0.1:${daemonPort}`);
  return { root, user: `casterpak-t${randomBytes(4).toString('hex')}`, nginxPort, daemonPort, configFile, accessLog, flags };
}

/** A Debian-shaped /etc/nginx under the root: nginx.conf including conf.d/ and sites-enabled/, and a default site on a free port. */
function debianNginx(install: Install): string {
  const at = (p: string) => path.join(install.root, p);
  for (const dir of ['etc/nginx/conf.d', 'etc/nginx/snippets', 'etc/nginx/sites-available', 'etc/nginx/sites-enabled', 'var/log/nginx', 'var/www/html', 'run', 'tmp']) mkdirSync(at(dir), { recursive: true });
  copyFileSync('/etc/nginx/mime.types', at('etc/nginx/mime.types'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${at(`tmp/${t}`)};`).join('\n');
  writeFileSync(
    at('etc/nginx/nginx.conf'),
    `user www-data;\nworker_processes 1;\npid ${at('run/nginx.pid')};\nerror_log ${at('var/log/nginx/error.log')};\nevents { worker_connections 256; }\nhttp {\n    include mime.types;\n    default_type application/octet-stream;\n${temp}\n    access_log ${at('var/log/nginx/access.log')};\n    include conf.d/*.conf;\n    include sites-enabled/*;\n}\n`,
  );
  writeFileSync(
    at('etc/nginx/sites-available/default'),
    `server {\n\tlisten 127.0.0.1:${install.nginxPort} default_server;\n\troot ${at('var/www/html')};\n\tserver_name _;\n\tlocation / {\n\t\ttry_files $uri $uri/ =404;\n\t}\n}\n\n# server {\n#\tlisten 443 ssl;\n# }\n`,
  );
  symlinkSync('../sites-available/default', at('etc/nginx/sites-enabled/default'));
  return at('etc/nginx/nginx.conf');
}

/** `casterpakd <args>` as the install's user, as an operator runs day-2 commands. */
function asUser(install: Install, cli: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('runuser', ['-u', install.user, '--', process.execPath, cli, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface StatusJson {
  hits: { hits: number; misses: number };
  tailer: { counters: { lines: number; hits: number; misses: number; ignored: number; bad: number } };
}

describe.skipIf(!isRoot)('the production install (casterpakd setup), as root under a temporary root', () => {
  let install: Install;
  let cli: string;
  let nginxConf: string;
  let nginx: GuardedProcess | undefined;
  let daemon: GuardedProcess | undefined;
  const status = () => JSON.parse(asUser(install, cli, ['status', '--json', '--config', install.configFile]).stdout) as StatusJson;

  beforeAll(async () => {
    cli = await ensureBuilt();
    install = newInstall(await freePort(), await freePort());
    nginxConf = debianNginx(install);
  }, 120_000);

  afterAll(async () => {
    if (daemon) await stopGuarded(daemon, [['SIGTERM', 10_000]]);
    if (nginx) await stopGuarded(nginx, [['SIGQUIT', 10_000], ['SIGTERM', 5_000]]);
    if (install) {
      spawnSync('userdel', [install.user]);
      spawnSync('groupdel', [install.user]);
      rmSync(install.root, { recursive: true, force: true });
    }
  }, 60_000);

  it('with --dry-run prints every step it would take and changes nothing', async () => {
    const dry = await runCli(['setup', '--dry-run', '--user', install.user, '--site', '/etc/nginx/sites-available/default', '--init', 'cron', ...install.flags]);
    expect(dry.stderr).toBe('');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^would +system user casterpak-t/m);
    expect(dry.stdout).toMatch(/^would +cron file .*\/etc\/cron\.d\/casterpakd/m);
    expect(dry.stdout).toMatch(/^would +casterpakd check as /m);
    expect(spawnSync('id', [install.user]).status).not.toBe(0);
    expect(existsSync(install.configFile)).toBe(false);
    expect(existsSync(path.join(install.root, 'srv/media'))).toBe(false);
  });

  it('refuses to run as another user than root, changing nothing', () => {
    const run = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, cli, 'setup', '--user', install.user, '--init', 'cron', ...install.flags], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^casterpakd: setup creates a system user .*run it as root/);
    expect(spawnSync('id', [install.user]).status).not.toBe(0);
    expect(existsSync(install.configFile)).toBe(false);
  });

  it('creates the user, directories, config, nginx drop-ins and include and the cron file, then passes check; a second run changes nothing', async () => {
    const args = ['setup', '--user', install.user, '--site', '/etc/nginx/sites-available/default', '--init', 'cron', ...install.flags];
    const first = await runCli(args);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/^ +ok +media_root: /m);
    expect(first.status).toBe(0);
    expect(execFileSync('id', ['-nG', install.user], { encoding: 'utf8' }).split(/\s+/)).toContain('adm');
    expect(statSync(path.join(install.root, 'var/lib/casterpak')).mode & 0o777).toBe(0o750);
    expect(statSync(path.join(install.root, 'var/cache/casterpak')).mode & 0o777).toBe(0o755);
    const site = readFileSync(path.join(install.root, 'etc/nginx/sites-available/default'), 'utf8');
    // Added to the live server block only, not to the commented-out one.
    expect(site.match(/^\tinclude snippets\/casterpak-server\.conf;$/gm)).toHaveLength(1);
    expect(existsSync(path.join(install.root, 'etc/nginx/conf.d/casterpak.conf'))).toBe(true);
    const second = await runCli(args);
    expect(second.status).toBe(0);
    expect(second.stdout).not.toMatch(/^(done|would) /m);
  });

  it('refuses to overwrite a config changed since, and leaves it as it is', async () => {
    const edited = `${readFileSync(install.configFile, 'utf8')}log_level = "warn"\n`;
    writeFileSync(install.configFile, edited);
    const result = await runCli(['setup', '--user', install.user, '--site', '/etc/nginx/sites-available/default', '--init', 'cron', ...install.flags]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('exists with other content');
    expect(readFileSync(install.configFile, 'utf8')).toBe(edited);
    // Without key flags the file on disk is the config: setup keeps it and goes on.
    const keep = await runCli(['setup', '--user', install.user, '--site', '/etc/nginx/sites-available/default', '--init', 'cron', '--root', install.root, '--config', install.configFile]);
    expect(keep.stdout).toMatch(/^unchanged +config .*kept as it is/m);
    expect(keep.status).toBe(0);
  });

  it('plays a rendition through nginx on a real port, and counts its hits from the access log', async () => {
    makeClip(path.join(install.root, 'srv/media/clip.mp4'));
    expect(spawnSync(NGINX_BIN, ['-p', `${install.root}/`, '-c', nginxConf, '-t', '-q']).status).toBe(0);
    // nginx creates the log at `nginx -t`, as root and world-readable, until logrotate's first `create 0640 www-data adm`.
    const created = statSync(install.accessLog);
    expect([created.uid, created.mode & 0o777]).toEqual([0, 0o644]);
    daemon = await spawnGuarded('runuser', ['-u', install.user, '--', process.execPath, cli, 'serve', '--config', install.configFile]);
    await waitFor('the daemon', async () => ((await get(install.daemonPort, '/healthz').catch(() => undefined))?.status === 200 ? true : undefined), 30_000);
    nginx = await spawnGuarded(NGINX_BIN, ['-p', `${install.root}/`, '-c', nginxConf, '-g', 'daemon off;']);
    await waitFor('nginx', async () => ((await get(install.nginxPort, '/').catch(() => undefined))?.status ? true : undefined), 30_000);

    const playlistPath = '/i/clip.mp4/index_0_av.m3u8';
    const playlist = await get(install.nginxPort, playlistPath);
    expect(playlist.status).toBe(200);
    const segments = parseMedia(playlist.text()).entries;
    expect(segments.length).toBeGreaterThan(0);
    const out = path.join(install.root, 'tmp/played.ts');
    const bytes: Buffer[] = [];
    for (const segment of segments) {
      const response = await get(install.nginxPort, path.posix.join('/i/clip.mp4/', segment.uri));
      expect(response.status).toBe(200);
      bytes.push(response.body);
    }
    writeFileSync(out, Buffer.concat(bytes));
    expect(await decodeErrors(out)).toBe('');
    expect((await get(install.nginxPort, playlistPath)).status).toBe(200);
    const counted = await waitFor('the hit in SQLite', () => {
      const s = status();
      return s.hits.hits >= 1 && s.hits.misses >= 1 + segments.length ? s : undefined;
    }, 30_000);
    // The playlist and each segment missed once, then the playlist was a hit: nothing else is counted.
    expect(counted.hits).toMatchObject({ hits: 1, misses: 1 + segments.length });
    expect(counted.tailer.counters).toMatchObject({ lines: segments.length + 2, hits: 1, misses: segments.length + 1, ignored: 0, bad: 0 });
  });

  it('counts only what the access log says: the status page player route and a ?b= master add no hit', async () => {
    const before = status();
    expect((await get(install.daemonPort, '/_casterpak/play/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    const filtered = await get(install.nginxPort, '/i/,clip,.mp4.csmil/master.m3u8?b=0-');
    expect(filtered.status).toBe(200);
    expect(filtered.text()).toContain('#EXT-X-STREAM-INF');
    expect((await get(install.nginxPort, '/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    const after = await waitFor('both logged lines', () => {
      const s = status();
      return s.tailer.counters.lines >= before.tailer.counters.lines + 2 ? s : undefined;
    }, 30_000);
    expect(after.tailer.counters.lines).toBe(before.tailer.counters.lines + 2);
    expect(after.hits.hits).toBe(before.hits.hits + 1);
    expect(after.hits.misses).toBe(before.hits.misses);
    expect(after.tailer.counters.ignored).toBe(before.tailer.counters.ignored + 1);
    const c = after.tailer.counters;
    expect(c.hits + c.misses + c.ignored + c.bad).toBe(c.lines);
  });

  it('keeps counting after a rotation done as Debian logrotate does it (rename, create 0640 www-data:adm, USR1)', async () => {
    const before = status();
    renameSync(install.accessLog, `${install.accessLog}.1`);
    writeFileSync(install.accessLog, '');
    chownSync(install.accessLog, Number(execFileSync('id', ['-u', 'www-data'], { encoding: 'utf8' })), 4);
    chmodSync(install.accessLog, 0o640);
    process.kill(nginx!.pid, 'SIGUSR1');
    await waitFor('nginx to write the new file', async () => {
      await get(install.nginxPort, '/i/clip.mp4/index_0_av.m3u8');
      return statSync(install.accessLog).size > 0 ? true : undefined;
    }, 30_000);
    const after = await waitFor('hits from the new file', () => {
      const s = status();
      return s.hits.hits > before.hits.hits ? s : undefined;
    }, 30_000);
    expect(after.hits.hits).toBeGreaterThan(before.hits.hits);
  });

  it('runs the cron line as cron would: the configured user, PATH=/usr/bin:/bin, no output', () => {
    const line = readFileSync(path.join(install.root, 'etc/cron.d/casterpakd'), 'utf8').split('\n').find((l) => l.startsWith('*/5 '))!;
    const [, , , , , user, ...command] = line.split(' ');
    expect(user).toBe(install.user);
    const run = spawnSync('runuser', ['-u', user, '--', 'env', '-i', 'PATH=/usr/bin:/bin', 'sh', '-c', command.join(' ')], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('without --site installs a complete site that nginx -t accepts, named after --server-name', async () => {
    const other = newInstall(await freePort(), await freePort());
    const conf = debianNginx(other);
    try {
      const run = await runCli(['setup', '--user', install.user, '--init', 'cron', '--server-name', 'media.example.org', ...other.flags]);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const site = readFileSync(path.join(other.root, 'etc/nginx/sites-enabled/casterpak'), 'utf8');
      expect(site).toMatch(/^\s+server_name media\.example\.org;$/m);
      const test = spawnSync(NGINX_BIN, ['-p', `${other.root}/`, '-c', conf, '-t'], { encoding: 'utf8' });
      expect(test.stderr).toContain('test is successful');
      expect(test.status).toBe(0);
    } finally {
      rmSync(other.root, { recursive: true, force: true });
    }
  });

  it('check fails, as the daemon user, when the access log is a root-only file', () => {
    chownSync(install.accessLog, 0, 0);
    chmodSync(install.accessLog, 0o600);
    const result = asUser(install, cli, ['check', '--config', install.configFile]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}access_log: .* is not readable by casterpak-t/m);
    chmodSync(install.accessLog, 0o644);
  });

  it('check fails, as the daemon user, when the cache or state directory is root\'s, naming it', () => {
    for (const dir of ['var/cache/casterpak', 'var/lib/casterpak']) {
      const full = path.join(install.root, dir);
      const owner = statSync(full);
      chownSync(full, 0, 0);
      const result = asUser(install, cli, ['check', '--config', install.configFile]);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`FAIL  ${dir.includes('cache') ? 'cache_dir' : 'state_dir'}: ${full} is not writable`);
      chownSync(full, owner.uid, owner.gid);
    }
    expect(asUser(install, cli, ['check', '--config', install.configFile]).status).toBe(0);
  });
});
