// The texts casterpakd setup writes (cron line, config, site include) and where --root puts them.

import { describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configText, cronText, exampleSiteText, shebangNodeFlags, SITE_INCLUDE, unitText, withSiteInclude } from '../../daemon/cli/setup/files.js';
import { packageRoot } from '../../daemon/package-root.js';
import { under } from '../../daemon/cli/setup/system.js';
import { validateConfig } from '../../daemon/config.js';

const schedule = { user: 'casterpak', command: ['/usr/bin/node', '/usr/lib/node_modules/casterpak/dist/daemon/cli/main.js'], configFile: '/etc/casterpak/casterpakd.toml' };

describe('the files casterpakd setup writes', () => {
  it('writes a cron.d line with the user column, full paths, the config and --quiet, under cron\'s own PATH', () => {
    const lines = cronText(schedule).split('\n');
    expect(lines).toContain('PATH=/usr/bin:/bin');
    expect(lines).toContain('*/5 * * * * casterpak /usr/bin/node /usr/lib/node_modules/casterpak/dist/daemon/cli/main.js prune --quiet --config /etc/casterpak/casterpakd.toml');
  });

  it('repeats the entry point\'s #! Node.js flags where a unit names node itself, and finds none on a plain #! line', () => {
    const flags = shebangNodeFlags(readFileSync(path.join(packageRoot(), 'daemon', 'cli', 'main.ts'), 'utf8').split('\n', 1)[0]);
    expect(flags).toContain('--initial-old-space-size=64');
    expect(shebangNodeFlags('#!/usr/bin/env node')).toEqual([]);
    expect(shebangNodeFlags('#!/usr/bin/env -S node --a=1 --b')).toEqual(['--a=1', '--b']);
    const unit = unitText(readFileSync(path.join(packageRoot(), 'systemd', 'casterpakd.service'), 'utf8'), { ...schedule, command: ['/usr/bin/node', ...flags, '/opt/main.js'], cacheDir: '/var/cache/casterpak', stateDir: '/var/lib/casterpak' });
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node --initial-old-space-size=64 \/opt\/main\.js serve --config /m);
  });

  it('quotes a path with a space or a quote so sh reads it back as one word', () => {
    const line = cronText({ ...schedule, configFile: "/etc/caster pak/it's.toml" }).split('\n').find((l) => l.startsWith('*/5'));
    expect(line).toContain(`--config '/etc/caster pak/it'\\''s.toml'`);
  });

  it('writes a config that reads back as the values given, prune keys in their table', () => {
    const text = configText({ media_root: '/srv/media', listen: '127.0.0.1:8090', 'prune.ttl': '12h' });
    expect(parse(text)).toEqual({ media_root: '/srv/media', listen: '127.0.0.1:8090', prune: { ttl: '12h' } });
    expect(validateConfig(parse(text) as Record<string, unknown>).prune.ttlSec).toBe(43_200);
  });

  it('adds the include to each live server block once, and leaves a second run unchanged', () => {
    const site = 'server {\n\tlisten 80 default_server;\n}\n# server {\n#\tlisten 443 ssl;\n# }\nserver { # redirect\n\tlisten 8080;\n}\n';
    const once = withSiteInclude(site)!;
    expect(once.split('\n').filter((l) => l.trim() === SITE_INCLUDE)).toHaveLength(2);
    expect(once).toContain('# server {\n#\tlisten 443 ssl;');
    expect(once).toContain(`server {\n\t# CasterPak's locations (added by \`casterpakd setup\`).\n\t${SITE_INCLUDE}\n\tlisten 80 default_server;`);
    expect(withSiteInclude(once)).toBe(once);
    expect(withSiteInclude('upstream x { server 127.0.0.1:1; }\n')).toBeUndefined();
  });

  it('names the installed site after the host', () => {
    expect(exampleSiteText('server {\n    server_name video.example.com;\n}\n', 'media1.example.org')).toContain('server_name media1.example.org;');
  });

  it('puts every path below --root, and takes a path already below it as it is', () => {
    expect(under('/', '/etc/nginx')).toBe('/etc/nginx');
    expect(under('/tmp/r', '/etc/nginx')).toBe('/tmp/r/etc/nginx');
    expect(under('/tmp/r', '/tmp/r/etc/nginx')).toBe('/tmp/r/etc/nginx');
    expect(under('/tmp/r', '/tmp/rx/etc')).toBe('/tmp/r/tmp/rx/etc');
  });
});
