// Names longer than a filesystem takes are a clean 400, never a 500 with ENAMETOOLONG and a stack trace.

import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, MAX_PATH_BYTES, parseRequestPath } from '../../daemon/http/request-path.js';
import { makeClip } from '../helpers/clip.js';
import { failureOf } from '../helpers/expect-code.js';
import { inProcessDaemon } from '../helpers/in-process.js';

describe('long names in request paths', () => {
  it('refuses a path segment over 255 bytes, counted in UTF-8, and accepts one of exactly 255', async () => {
    const ok = `${'a'.repeat(MAX_NAME_BYTES - 4)}.mp4`;
    expect(parseRequestPath(`/i/${ok}/index_0_av.m3u8`, '/i/').type).toBe('rendition');
    const tooLong = await failureOf(() => parseRequestPath(`/i/${'a'.repeat(MAX_NAME_BYTES - 3)}.mp4/index_0_av.m3u8`, '/i/'));
    expect(tooLong.code).toBe('BAD_PATH');
    expect(tooLong.message).toBe('a path segment is longer than 255 bytes');
    // 128 two-byte characters: 128 characters, 256 bytes.
    const wide = await failureOf(() => parseRequestPath(`/i/${encodeURIComponent('é'.repeat(128))}.mp4/index_0_av.m3u8`, '/i/'));
    expect(wide.code).toBe('BAD_PATH');
  });

  it('refuses a whole path over 1024 bytes made of short segments', async () => {
    const deep = Array.from({ length: Math.ceil(MAX_PATH_BYTES / 10) }, () => 'abcdefghi').join('/');
    const err = await failureOf(() => parseRequestPath(`/i/${deep}/clip.mp4/index_0_av.m3u8`, '/i/'));
    expect(err.code).toBe('BAD_PATH');
    expect(err.message).toBe('the path is longer than 1024 bytes');
  });

  it('answers a csmil set with a 250-character entry with 400 and a one-line reason, writing nothing', async () => {
    const daemon = inProcessDaemon({ packager: 'builtin' });
    makeClip(path.join(daemon.mediaRoot, 'clip_360p.mp4'), { durationSec: 2 });
    const response = await daemon.request(`/i/clip_,360,${'x'.repeat(250)},p.mp4.csmil/master.m3u8`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('BAD_PATH: a path segment is longer than 255 bytes\n');
    expect(readdirSync(daemon.cacheDir).filter((name) => name !== '.tmp')).toEqual([]);
  });

  it('maps ENAMETOOLONG from the filesystem to 400 BAD_PATH (a cache_dir so deep that the cache path passes PATH_MAX)', async () => {
    // 18 folders of 200 characters: about 3,600 bytes before the request's own path is appended.
    const deepCache = path.join(mkdtempSync(path.join(tmpdir(), 'casterpak-deep-')), ...Array.from({ length: 18 }, (_, i) => `${i}`.padEnd(200, 'c')));
    const daemon = inProcessDaemon({ packager: 'builtin', cache_dir: deepCache });
    const rel = `${Array.from({ length: 4 }, () => 'd'.repeat(200)).join('/')}/clip.mp4`;
    makeClip(path.join(daemon.mediaRoot, rel), { durationSec: 2 });
    const response = await daemon.request(`/i/${rel}/index_0_av.m3u8`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe('BAD_PATH: a name in the path is too long for the filesystem\n');
  });
});
