import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CacheFiller } from '../daemon/cache/filler.js';
import { validateConfig } from '../daemon/config.js';
import { createApp } from '../daemon/http/app.js';
import { createLogger } from '../daemon/log.js';
import { createPackager } from '../daemon/packagers/index.js';
import { Store } from '../daemon/store/store.js';
import { makeClip } from './helpers/clip.js';

/** A writable that keeps what it is given, as a terminal or a journal would receive it. */
function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function daemonLoggingTo(stream: Writable, pretty: boolean, keys: Record<string, unknown> = {}) {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-log-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  const config = validateConfig({ ...dirs, mode: 'standalone', packager: 'ffmpeg', segment_duration: 2, ...keys });
  makeClip(path.join(config.mediaRoot, 'clip.mp4'), { durationSec: 4 });
  const log = createLogger('info', { destination: stream, pretty });
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log });
  return { app: createApp({ config, store, filler, log }).app, config };
}

/** An mp42hls stand-in that runs `body` when given a source (and answers the version probe without one). */
function scriptPackager(body: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'casterpak-log-packager-')), 'mp42hls');
  writeFileSync(file, `#!/bin/sh\nif [ $# -eq 0 ]; then echo "stand-in Version 0"; exit 1; fi\n${body}\n`, { mode: 0o755 });
  return file;
}

/** The JSON lines written so far. */
const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the log', () => {
  it('writes one JSON line per miss with the path, packager, duration and bytes, and none for hits', async () => {
    const out = sink();
    const { app } = daemonLoggingTo(out.stream, false);
    await app.request('/i/clip.mp4/index_0_av.m3u8');
    await app.request('/i/clip.mp4/segment1_0_av.ts');
    await app.request('/i/clip.mp4/index_0_av.m3u8');
    const lines = out.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const misses = lines.filter((l) => l.msg === 'packaged on a miss');
    expect(misses).toHaveLength(1);
    expect(misses[0]).toMatchObject({ level: 30, service: 'casterpakd', path: 'i/clip.mp4/index_0_av.m3u8', source: 'clip.mp4', packager: 'ffmpeg' });
    expect(misses[0].durationMs).toBeGreaterThan(0);
    expect(misses[0].bytes).toBeGreaterThan(0);
    expect(misses[0].files).toBe(3);
  });

  it('logs a source it cannot package with the error code and the reason, and not as a miss served', async () => {
    const out = sink();
    const { app, config } = daemonLoggingTo(out.stream, false);
    writeFileSync(path.join(config.mediaRoot, 'bad.mp4'), Buffer.alloc(4096, 7));
    const response = await app.request('/i/bad.mp4/index_0_av.m3u8');
    expect(response.status).toBe(422);
    const lines = out.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((l) => l.msg === 'packaged on a miss')).toEqual([]);
    const failure = lines.find((l) => l.path === '/i/bad.mp4/index_0_av.m3u8');
    expect(failure).toBeDefined();
    // A source that cannot be packaged is a warning (40); packager failures are errors (50).
    expect(failure?.level).toBe(40);
    expect(failure?.code).toBe('MP4_NO_MOOV');
    expect(String(failure?.msg)).not.toBe('');
    expect(failure?.status).toBe(response.status);
  });

  it.each([
    ['a packager that fails', 502, 'PACKAGER_FAILED', { mp42hls_path: 'echo "ERROR: out of cheese" >&2; exit 3' }],
    ['a run past packaging_timeout', 504, 'PACKAGER_TIMEOUT', { mp42hls_path: 'sleep 30', packaging_timeout: '1s' }],
  ])('logs %s as an error line with its code and status, and not as a miss served', async (_what, status, code, keys) => {
    const out = sink();
    const { app } = daemonLoggingTo(out.stream, false, { ...keys, packager: 'mp42hls', mp42hls_path: scriptPackager(keys.mp42hls_path) });
    const response = await app.request('/i/clip.mp4/index_0_av.m3u8');
    expect(response.status).toBe(status);
    const lines = jsonLines(out.text());
    expect(lines.filter((l) => l.msg === 'packaged on a miss')).toEqual([]);
    const failures = lines.filter((l) => l.path === '/i/clip.mp4/index_0_av.m3u8');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 50, code, status });
    expect(String(failures[0].msg)).not.toBe('');
  });

  it('writes readable lines instead of JSON when asked (as on a terminal)', async () => {
    const out = sink();
    const { app } = daemonLoggingTo(out.stream, true);
    await app.request('/i/clip.mp4/index_0_av.m3u8');
    const text = out.text();
    expect(text).toContain('packaged on a miss');
    expect(text).toMatch(/INFO/);
    expect(text).toMatch(/path: "i\/clip\.mp4\/index_0_av\.m3u8"/);
    expect(() => JSON.parse(text.split('\n')[0])).toThrow();
  });
});
