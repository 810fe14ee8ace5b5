// `nginx -t` (Debian's nginx) accepts the rendered drop-in inside a generated nginx.conf.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { assertDistFresh } from '../helpers/compiled.js';
import { CLI_MAIN } from '../helpers/daemon.js';
import { NGINX_BIN, nginxTest, writeNginxConf, type GeneratedConf } from '../helpers/nginx.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-nginx-t-'));
const generated: GeneratedConf[] = [];

// Some tests run the compiled CLI.
beforeAll(() => assertDistFresh());

afterAll(() => {
  for (const conf of [...generated]) rmSync(conf.prefixDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

function check(raw: Record<string, unknown>): { ok: boolean; output: string } {
  const config = validateConfig({ cache_dir: path.join(scratch, 'cache'), access_log: path.join(scratch, 'log', 'casterpak.access.log'), ...raw });
  const conf = writeNginxConf({ config, port: 8 });
  generated.push(conf);
  return nginxTest(conf);
}

describe('nginx -t', () => {
  it('accepts the drop-in with the daemon on a TCP address', () => {
    const result = check({ listen: '127.0.0.1:8081' });
    expect(result.output).toMatch(/test is successful/);
    expect(result.ok).toBe(true);
  });

  it('accepts the drop-in with the daemon on a unix socket', () => {
    const result = check({ listen: `unix:${path.join(scratch, 'casterpakd.sock')}` });
    expect(result.output).toMatch(/test is successful/);
    expect(result.ok).toBe(true);
  });

  it('accepts other prefixes and an IPv6 loopback daemon, and raises no warnings', () => {
    const result = check({ listen: '[::1]:9000', url_prefix: '/vod/hls/', internal_prefix: '/_cp/' });
    expect(result.ok).toBe(true);
    expect(result.output).not.toMatch(/\[warn\]|\[emerg\]/);
  });

  it('rejects a broken generated config, so that the checks above can fail', () => {
    const config = validateConfig({ cache_dir: path.join(scratch, 'cache'), access_log: path.join(scratch, 'casterpak.access.log') });
    const conf = writeNginxConf({ config, port: 8, extraServer: 'location /broken/ { no_such_directive on; }' });
    generated.push(conf);
    const result = nginxTest(conf);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/unknown directive "no_such_directive"/);
  });
});

describe('casterpakd nginx-config', () => {
  it('writes files that nginx -t accepts when included the way Debian includes conf.d and snippets', () => {
    const etc = path.join(scratch, 'etc-nginx');
    const configPath = path.join(scratch, 'casterpakd.toml');
    writeFileSync(configPath, `cache_dir = "${path.join(scratch, 'cache')}"\nlisten = "unix:${path.join(scratch, 'd.sock')}"\naccess_log = "${path.join(scratch, 'cli.log')}"\n`);
    const cli = spawnSync(process.execPath, [CLI_MAIN, 'nginx-config', '--config', configPath, '--out-dir', etc], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(readFileSync(path.join(etc, 'conf.d/casterpak.conf'), 'utf8')).toMatch(/server unix:.*d\.sock;/);
    mkdirSync(path.join(etc, 'temp'), { recursive: true });
    const nginxConf = path.join(etc, 'nginx.conf');
    writeFileSync(
      nginxConf,
      `pid ${etc}/nginx.pid;\nevents {}\nhttp {\n  include /etc/nginx/mime.types;\n  client_body_temp_path ${etc}/temp;\n  proxy_temp_path ${etc}/temp;\n` +
        `  include ${etc}/conf.d/*.conf;\n  server {\n    listen 127.0.0.1:8;\n    include ${etc}/snippets/casterpak-server.conf;\n  }\n}\n`,
    );
    const result = spawnSync(NGINX_BIN, ['-t', '-p', etc, '-c', nginxConf, '-e', path.join(etc, 'error.log')], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toMatch(/test is successful/);
  });

  it('refuses a config value that would break nginx, naming the key, and exits non-zero', () => {
    const cli = spawnSync(process.execPath, [CLI_MAIN, 'nginx-config', '--config', '/dev/null', '--cache-dir', '/var/cache/a;b'], { encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/cache_dir: .*";"/);
    expect(cli.stdout).toBe('');
  });
});
