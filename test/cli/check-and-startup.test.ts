import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';

function site(): { flags: string[]; top: string } {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-check-'));
  for (const dir of ['media', 'cache', 'state']) mkdirSync(path.join(top, dir));
  const flags = ['--config', '/dev/null', '--media-root', path.join(top, 'media'), '--cache-dir', path.join(top, 'cache'), '--state-dir', path.join(top, 'state')];
  return { flags, top };
}

describe('casterpakd check', () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  it('passes a good setup with every packager that is installed, printing the packager version', async () => {
    const { flags } = site();
    const builtin = await runCli(['check', ...flags]);
    expect(builtin.status).toBe(0);
    expect(builtin.stdout).toMatch(/^ok +packager builtin: builtin \(CasterPak [\d.]+\)$/m);
    const ffmpeg = await runCli(['check', ...flags, '--packager', 'ffmpeg']);
    expect(ffmpeg.status).toBe(0);
    expect(ffmpeg.stdout).toMatch(/^ok +packager ffmpeg: ffmpeg version /m);
    const mp42hls = await runCli(['check', ...flags, '--packager', 'mp42hls', '--mp42hls-path', path.resolve('test/fixtures/bin/mp42hls')]);
    expect(mp42hls.stdout).toMatch(/^ok +packager mp42hls: MP4 To HLS File Converter - Version/m);
  });

  it('fails, naming the directory, when the cache directory is missing', async () => {
    const { flags, top } = site();
    const result = await runCli(['check', ...flags, '--cache-dir', path.join(top, 'nope')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`FAIL  cache_dir: ${path.join(top, 'nope')} does not exist`);
  });

  it('checks the unix socket\'s group: the primary one passes, an unknown name fails naming socket_group', async () => {
    const { flags, top } = site();
    const listen = ['--listen', `unix:${path.join(top, 'casterpakd.sock')}`];
    const primary = await runCli(['check', ...flags, ...listen]);
    expect(primary.status).toBe(0);
    expect(primary.stdout).toMatch(/^ok +socket_group: the primary group \(gid \d+\), mode 0660: nginx's user must be a member$/m);
    const unknown = await runCli(['check', ...flags, ...listen, '--socket-group', 'casterpak-no-such-group']);
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain('FAIL  socket_group: no group named "casterpak-no-such-group"');
  });

  it('fails when the chosen packager cannot be run', async () => {
    const { flags } = site();
    const result = await runCli(['check', ...flags, '--packager', 'mp42hls', '--mp42hls-path', '/nonexistent/mp42hls']);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^FAIL {2}packager mp42hls: cannot run \/nonexistent\/mp42hls: ENOENT$/m);
  });

  it('refuses an invalid config file at start-up with one line naming the key', async () => {
    const { flags, top } = site();
    const file = path.join(top, 'casterpakd.toml');
    writeFileSync(file, 'segment_duration = "ten"\n');
    const result = await runCli(['serve', ...flags, '--config', file]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^casterpakd: invalid config: segment_duration: /);
  });

  it('takes an environment variable over the file, and refuses a bad one by its key', async () => {
    const { flags } = site();
    const result = await runCli(['serve', ...flags], { CASTERPAK_LISTEN: 'nowhere' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/listen: expected host:port or unix:/);
  });
});
