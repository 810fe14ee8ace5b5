// End to end through nginx: bad sources get 422 and leave no file, missing ones 404, path tricks never leave media_root.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { moovLast } from '../helpers/media.js';
import { e2ePackagers, reportSkippedPackagers } from '../helpers/packagers.js';
import { startStack, type Stack } from '../helpers/stack.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-e2e-refusals-'));
const clip = path.join(scratch, 'clip.mp4');
const cameraClip = path.join(scratch, 'camera.mp4');

beforeAll(async () => {
  makeClip(clip, { durationSec: 4 });
  await moovLast(clip, cameraClip);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Attack paths, sent raw, with the status each gets through nginx and from the daemon directly: refused (400)
 * or not found (404), never served. nginx decodes and resolves dot segments first: a path that climbs above
 * its root is 400, one that lands outside the prefix 404; the daemon refuses encoded slashes, backslashes and
 * NUL with 400 and finds nothing at a doubly encoded name or through a link out of media_root (404).
 */
const ATTACKS: ReadonlyArray<readonly [path: string, viaNginx: number, direct: number]> = [
  ['/i/../outside/secret.mp4/index_0_av.m3u8', 404, 404],
  ['/i/%2e%2e/outside/secret.mp4/index_0_av.m3u8', 404, 404],
  ['/i/%2E%2E/%2E%2E/outside/secret.mp4/index_0_av.m3u8', 400, 404],
  ['/i/..%2foutside%2fsecret.mp4/index_0_av.m3u8', 404, 400],
  ['/i/sub%2f..%2f..%2foutside%2fsecret.mp4/index_0_av.m3u8', 404, 400],
  ['/i/%252e%252e/outside/secret.mp4/index_0_av.m3u8', 404, 404],
  ['/i/%252e%252e%252foutside%252fsecret.mp4/index_0_av.m3u8', 404, 404],
  ['/i/..%252f..%252foutside%252fsecret.mp4/index_0_av.m3u8', 404, 404],
  ['/i/good.mp4%00/index_0_av.m3u8', 400, 400],
  ['/i/..%00/outside/secret.mp4/index_0_av.m3u8', 400, 400],
  ['/i/..\\outside\\secret.mp4/index_0_av.m3u8', 400, 400],
  ['/i/..%5coutside%5csecret.mp4/index_0_av.m3u8', 400, 400],
  ['/i/%2foutside%2fsecret.mp4/index_0_av.m3u8', 404, 400],
  ['/i/link.mp4/index_0_av.m3u8', 404, 404],
  ['/i/linkdir/secret.mp4/index_0_av.m3u8', 404, 404],
  ['/i/linkdir/secret.mp4/segment1_0_av.ts', 404, 404],
];

reportSkippedPackagers('refusals through nginx');

describe.each(e2ePackagers())('refusals through nginx, packager $label', ({ name: packager, keys }) => {
  let stack: Stack;
  let secret: string;

  const filesOf = (name: string) => stack.cacheFiles().filter((f) => f.startsWith(`i/${name}`) || f.startsWith('.tmp/'));
  const media = (rel: string) => path.join(stack.daemon.mediaRoot, rel);

  beforeAll(async () => {
    stack = await startStack({ packager, segmentDurationSec: 2, extra: keys });
    copyFileSync(clip, media('good.mp4'));
    writeFileSync(media('garbage.mp4'), randomBytes(200_000));
    writeFileSync(media('empty.mp4'), '');
    writeFileSync(media('text.mp4'), 'this is not a video\n'.repeat(100));
    // A camera file (moov at the end) cut short: the moov never made it to disk.
    writeFileSync(media('no-moov.mp4'), readFileSync(cameraClip).subarray(0, Math.floor(statSync(cameraClip).size / 2)));
    // Outside media_root: a perfectly good MP4 that no request may reach.
    const outside = path.join(stack.daemon.root, 'outside');
    mkdirSync(outside);
    secret = path.join(outside, 'secret.mp4');
    copyFileSync(clip, secret);
    symlinkSync(secret, media('link.mp4'));
    symlinkSync(outside, media('linkdir'));
  });

  afterAll(async () => {
    await stack?.dispose();
  });

  it.each(['garbage.mp4', 'empty.mp4', 'text.mp4', 'no-moov.mp4'])(
    'answers 422 with a one-line reason for %s, caches nothing, and keeps running',
    async (name) => {
      const res = await stack.get(`/i/${name}/index_0_av.m3u8`);
      expect(res.status).toBe(422);
      expect(res.text().trim()).not.toBe('');
      expect(res.text().trim().split('\n')).toHaveLength(1);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['cache-control']).toBeUndefined();
      expect((await stack.get(`/i/${name}/segment1_0_av.ts`)).status).toBe(422);
      expect(filesOf(name)).toEqual([]);
      expect((await stack.daemon.healthz()).status).toBe('ok');
    },
  );

  // A file cut short after its moov: the sample tables promise more than the file holds. ffmpeg alone
  // exits 0 on it; the daemon vets every source with the builtin reader before any packager runs.
  it('answers 422 for a file truncated after its moov and caches nothing', async () => {
    writeFileSync(media('truncated.mp4'), readFileSync(clip).subarray(0, Math.floor(statSync(clip).size * 0.6)));
    const res = await stack.get('/i/truncated.mp4/index_0_av.m3u8');
    expect(res.status).toBe(422);
    expect(filesOf('truncated.mp4')).toEqual([]);
  });

  it.each([
    ['a missing source', '/i/missing.mp4/index_0_av.m3u8'],
    ['a missing directory', '/i/no/such/dir/clip.mp4/segment1_0_av.ts'],
    ['a segment number past the end', '/i/good.mp4/segment999_0_av.ts'],
    ['segment zero', '/i/good.mp4/segment0_0_av.ts'],
    ['a file name outside the URL contract', '/i/good.mp4/index.m3u8'],
    ['a source extension that is not packaged', '/i/good.txt/index_0_av.m3u8'],
  ])('answers 404 for %s', async (_what, rawPath) => {
    const res = await stack.get(rawPath);
    expect(res.status).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('refuses every path trick, through nginx and directly, without reading anything outside media_root', async () => {
    // The daemon does serve the same content inside media_root: the refusals below are real.
    copyFileSync(clip, media('inside.mp4'));
    expect((await stack.get('/i/inside.mp4/index_0_av.m3u8')).status).toBe(200);
    for (const [attack, viaNginxStatus, directStatus] of ATTACKS) {
      expect((await stack.get(attack)).status, `${attack} through nginx`).toBe(viaNginxStatus);
      expect((await stack.daemon.get(attack)).status, `${attack} directly`).toBe(directStatus);
    }
    expect(stack.cacheFiles().filter((f) => /secret|link/.test(f))).toEqual([]);
    const db = new Database(path.join(stack.daemon.stateDir, 'casterpak.db'), { readonly: true, fileMustExist: true });
    try {
      const sources = (db.prepare('SELECT source_path FROM packages').all() as Array<{ source_path: string }>).map((r) => r.source_path);
      expect(sources).toContain('inside.mp4');
      expect(sources.filter((s) => /secret|link|outside/.test(s))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('opens nothing outside media_root for any path trick: the secret file is never read', async (ctx) => {
    // Seen in the file's atime, which a read moves only where the mount lets it (relatime, strictatime):
    // check that here first, with a read of our own, rather than pass without being able to see one.
    const why = readsMoveAtime(path.dirname(secret));
    if (why) return ctx.skip(why);
    // relatime updates atime on the next read when atime is older than mtime: any read would show.
    utimesSync(secret, new Date('2001-01-01T00:00:00Z'), new Date());
    const atimeBefore = statSync(secret).atimeMs;
    for (const [attack] of ATTACKS) {
      await stack.get(attack);
      await stack.daemon.get(attack);
    }
    expect(statSync(secret).atimeMs).toBe(atimeBefore);
  });

  it('keeps the daemon status pages and metrics off the public server', async () => {
    const player = await stack.daemon.get('/_casterpak/');
    expect(player.status).toBe(200);
    expect(player.text()).toMatch(/hls\.min\.js/);
    for (const rawPath of ['/healthz', '/metrics', '/_casterpak/player', '/_casterpak/hls.min.js', '/i/../_casterpak/player', '/i/a%2Fb/../../_casterpak/player']) {
      const res = await stack.get(rawPath);
      expect(res.status, rawPath).toBe(404);
      expect(res.text()).not.toMatch(/hls\.min\.js|<video/);
    }
  });

  it('never lets a client ask for the internal location or a temporary file', async () => {
    expect((await stack.get('/i/good.mp4/index_0_av.m3u8')).status).toBe(200);
    mkdirSync(path.join(stack.daemon.cacheDir, '.tmp'), { recursive: true });
    writeFileSync(path.join(stack.daemon.cacheDir, '.tmp', 'half.ts'), 'partial');
    for (const rawPath of ['/casterpak-internal/i/good.mp4/index_0_av.m3u8', '/casterpak-internal/.tmp/half.ts', '/i/../.tmp/half.ts', '/.tmp/half.ts']) {
      expect((await stack.get(rawPath)).status, rawPath).toBe(404);
    }
  });
});

/** Undefined when reading a file in `dir` moves its atime (as relatime does for an atime older than the mtime); else why not. */
function readsMoveAtime(dir: string): string | undefined {
  const probe = path.join(dir, '.atime-probe');
  writeFileSync(probe, 'probe');
  try {
    utimesSync(probe, new Date('2001-01-01T00:00:00Z'), new Date());
    const before = statSync(probe).atimeMs;
    readFileSync(probe);
    if (statSync(probe).atimeMs !== before) return undefined;
    return `reads do not move atime on the file system of ${dir} (mounted noatime?), so a read of the secret could not be seen`;
  } finally {
    rmSync(probe, { force: true });
  }
}
