// `nginx -t` (Debian's nginx) accepts the rendered drop-in inside a generated nginx.conf.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { nginxTest, writeNginxConf, type GeneratedConf } from '../helpers/nginx.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-nginx-t-'));
const generated: GeneratedConf[] = [];

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
