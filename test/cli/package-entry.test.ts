// The published package: an older Node.js is refused in one line, and `npm pack` then a global install give a working casterpakd.

import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/compiled.js';

let cli = '';
const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-package-'));

beforeAll(async () => {
  cli = await ensureBuilt();
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the casterpakd entry point on an older Node.js', () => {
  it('refuses Node.js 18 with one line naming the version needed, before loading any command', () => {
    // Node 18 as far as the entry point can tell, and a dependency that cannot load, as on a real Node 18.
    const hooks = path.join(scratch, 'hooks.mjs');
    writeFileSync(hooks, `export async function resolve(specifier, context, next) {\n  if (specifier === 'commander') throw new Error('commander cannot load here');\n  return next(specifier, context);\n}\n`);
    const preload = path.join(scratch, 'node18.mjs');
    writeFileSync(preload, `import { register } from 'node:module';\nObject.defineProperty(process.versions, 'node', { value: '18.20.4' });\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const run = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, cli, 'check'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^casterpakd: Node\.js 20 or newer is needed, this is v\d/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('npm pack and a global install', () => {
  it('ships everything setup needs, and the linked bin runs setup from the installed package', () => {
    // A copy of the package with the compiled daemon as its dist/, packed as npm publishes it.
    const src = path.join(scratch, 'src');
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[]; bin: Record<string, string> };
    mkdirSync(src);
    for (const name of ['package.json', 'README.md', 'LICENSE', ...manifest.files.filter((f) => !f.startsWith('dist'))]) cpSync(path.join(REPO_ROOT, name), path.join(src, name), { recursive: true });
    cpSync(path.resolve(cli, '../../../daemon'), path.join(src, 'dist/daemon'), { recursive: true });
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', scratch], { cwd: src, encoding: 'utf8' }).trim().split('\n').pop()!;
    const listed = execFileSync('tar', ['-tzf', path.join(scratch, tarball)], { encoding: 'utf8' });
    for (const file of ['nginx/casterpak-http.conf', 'nginx/casterpak-server.conf', 'nginx/sites-available/casterpak.example', 'systemd/casterpakd.service', 'systemd/casterpakd-prune.timer', `${manifest.bin.casterpakd}`]) {
      expect(listed).toContain(`package/${file}`);
    }

    // The layout of `npm install -g`: <prefix>/lib/node_modules/casterpak and <prefix>/bin/casterpakd linking to the bin.
    const prefix = path.join(scratch, 'prefix');
    const installed = path.join(prefix, 'lib/node_modules/casterpak');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(scratch, tarball), '-C', installed, '--strip-components=1']);
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(installed, 'node_modules'));
    // npm's bin linking makes the target executable, whatever mode the tarball gave it.
    chmodSync(path.join(installed, manifest.bin.casterpakd), 0o755);
    mkdirSync(path.join(prefix, 'bin'));
    symlinkSync(`../lib/node_modules/casterpak/${manifest.bin.casterpakd}`, path.join(prefix, 'bin/casterpakd'));

    const root = path.join(scratch, 'root');
    const run = spawnSync(path.join(prefix, 'bin/casterpakd'), ['setup', '--dry-run', '--root', root, '--init', 'systemd', '--media-root', '/srv/media'], {
      encoding: 'utf8',
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^would +nginx server-level snippet .*\/etc\/nginx\/snippets\/casterpak-server\.conf$/m);
    expect(run.stdout).toMatch(/^would +systemd unit .*\/etc\/systemd\/system\/casterpakd-prune\.timer$/m);
    const lines = run.stdout.split('\n');
    const start = lines.findIndex((l) => l.includes('start casterpakd.service'));
    expect(start).toBeGreaterThan(0);
    expect(lines.findIndex((l) => l.includes('reload nginx'))).toBeGreaterThan(start);
  });
});
