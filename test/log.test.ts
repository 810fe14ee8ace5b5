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

function daemonLoggingTo(stream: Writable, pretty: boolean) {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-log-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  const config = validateConfig({ ...dirs, mode: 'standalone', packager: 'ffmpeg', segment_duration: 2 });
  makeClip(path.join(config.mediaRoot, 'clip.mp4'), { durationSec: 4 });
  const log = createLogger('info', { destination: stream, pretty });
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log });
  return { app: createApp({ config, store, filler, log }).app, config };
}

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
