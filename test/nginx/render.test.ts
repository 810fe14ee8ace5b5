// The nginx drop-in renderer: every placeholder filled from the config, values that would break nginx refused.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig, type Config } from '../../daemon/config.js';
import { fillTemplate, renderNginxConfig, templateDir, upstreamAddress } from '../../daemon/nginx/render.js';
import { refusalOf } from '../helpers/expect-code.js';

function config(raw: Record<string, unknown> = {}): Config {
  return validateConfig({
    cache_dir: '/var/cache/casterpak',
    access_log: '/var/log/nginx/casterpak.access.log',
    listen: '127.0.0.1:8081',
    packaging_timeout: '120s',
    ...raw,
  });
}

describe('renderNginxConfig', () => {
  it('fills every placeholder of both templates', () => {
    const { httpConf, serverConf } = renderNginxConfig(config());
    for (const text of [httpConf, serverConf]) expect(text).not.toMatch(/\{\{|\}\}/);
    const templates = ['casterpak-http.conf', 'casterpak-server.conf'].map((f) => readFileSync(path.join(templateDir(), f), 'utf8'));
    // The templates do have placeholders: the check above is not vacuous.
    expect(templates.join('').match(/\{\{[a-z_]+\}\}/g)?.length).toBeGreaterThan(5);
  });

  it('writes the config paths, the prefixes and the daemon address into the directives', () => {
    const { httpConf, serverConf } = renderNginxConfig(
      config({ cache_dir: '/srv/cache/', url_prefix: '/vod/', internal_prefix: '/_cp_internal/', access_log: '/var/log/cp.log' }),
    );
    expect(httpConf).toMatch(/^\s*server 127\.0\.0\.1:8081;$/m);
    expect(serverConf).toMatch(/^location \^~ \/vod\/ \{$/m);
    expect(serverConf).toMatch(/^\s*root \/srv\/cache;$/m);
    expect(serverConf).toMatch(/^location \^~ \/_cp_internal\/ \{$/m);
    expect(serverConf).toMatch(/^\s*alias \/srv\/cache\/;$/m);
    expect(serverConf).toMatch(/^location \^~ \/_cp_internal\/\.tmp\/ \{$/m);
    expect(serverConf.match(/^\s*access_log \/var\/log\/cp\.log casterpak;$/gm)).toHaveLength(3);
  });

  it('gives nginx longer than packaging_timeout to wait for the daemon', () => {
    const { serverConf } = renderNginxConfig(config({ packaging_timeout: '5m' }));
    const seconds = Number(/proxy_read_timeout (\d+)s;/.exec(serverConf)?.[1]);
    expect(seconds).toBeGreaterThan(300);
  });

  it('writes unix sockets and IPv6 addresses in nginx upstream syntax', () => {
    expect(renderNginxConfig(config({ listen: 'unix:/run/casterpak/casterpakd.sock' })).httpConf).toMatch(
      /^\s*server unix:\/run\/casterpak\/casterpakd\.sock;$/m,
    );
    expect(upstreamAddress({ kind: 'tcp', host: '::1', port: 8081 })).toBe('[::1]:8081');
    expect(upstreamAddress({ kind: 'tcp', host: '0.0.0.0', port: 9000 })).toBe('127.0.0.1:9000');
  });

  it.each([
    ['a double quote', { cache_dir: '/var/cache/"x' }, 'cache_dir'],
    ['a single quote', { cache_dir: "/var/cache/it's" }, 'cache_dir'],
    ['a semicolon', { cache_dir: '/var/cache/x; root /etc' }, 'cache_dir'],
    ['a brace', { access_log: '/var/log/x}' }, 'access_log'],
    ['a newline', { access_log: '/var/log/x\nserver {' }, 'access_log'],
    ['a space', { cache_dir: '/var/cache/my cache' }, 'cache_dir'],
    ['a variable', { cache_dir: '/var/cache/$host' }, 'cache_dir'],
    ['a comment sign', { cache_dir: '/var/cache/#x' }, 'cache_dir'],
    ['a backslash', { cache_dir: '/var/cache/a\\b' }, 'cache_dir'],
    ['a semicolon in the socket path', { listen: 'unix:/run/x;y.sock' }, 'listen'],
  ])('refuses a path with %s, naming the key', (_what, raw, key) => {
    const err = refusalOf(() => renderNginxConfig(config(raw)));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message.startsWith(`${key}:`)).toBe(true);
  });

  it('refuses prefixes that contain one another, which would let the internal location shadow the public one', () => {
    expect(refusalOf(() => renderNginxConfig(config({ url_prefix: '/i/', internal_prefix: '/i/' }))).code).toBe('CONFIG_INVALID');
    expect(refusalOf(() => renderNginxConfig(config({ url_prefix: '/i/internal/', internal_prefix: '/i/' }))).code).toBe('CONFIG_INVALID');
  });

  it('refuses a prefix that bypassed config validation', () => {
    const bad = { ...config(), urlPrefix: '/i/ { return 200; } location /x/' } as Config;
    expect(refusalOf(() => renderNginxConfig(bad)).message).toMatch(/^url_prefix:/);
  });

  it('treats a placeholder without a value as a template bug', () => {
    expect(() => fillTemplate('root {{nowhere}};', {})).toThrow(/\{\{nowhere\}\}/);
    expect(fillTemplate('root {{ cache_dir }};', { cache_dir: '/c' })).toBe('root /c;');
  });
});
