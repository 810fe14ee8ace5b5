import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequestPath } from '../../daemon/http/request-path.js';

const MEDIA_ROOT = '/srv/media';

function codeOf(rawPath: string): string {
  try {
    parseRequestPath(rawPath, '/i/');
    return 'OK';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('request path parsing', () => {
  it('reads a media playlist request with nested directories', () => {
    expect(parseRequestPath('/i/20220404/1251/clip_1.mp4/index_0_av.m3u8', '/i/')).toEqual({
      type: 'rendition',
      sourceRel: '20220404/1251/clip_1.mp4',
      file: { kind: 'media-playlist' },
      cachePath: 'i/20220404/1251/clip_1.mp4/index_0_av.m3u8',
    });
  });

  it('reads segment numbers from 1, and decodes names exactly once', () => {
    const parsed = parseRequestPath('/i/my%20clip%C3%A9.m4v/segment12_0_av.ts', '/i/');
    expect(parsed.file).toEqual({ kind: 'segment', n: 12 });
    expect(parsed.sourceRel).toBe('my clipé.m4v');
    // A double-encoded dot-dot decodes once to a literal file name, never to a parent directory.
    expect(parseRequestPath('/i/%252e%252e/x.mp4/index_0_av.m3u8', '/i/').sourceRel).toBe('%2e%2e/x.mp4');
  });

  it('honours another prefix', () => {
    expect(parseRequestPath('/vod/hls/a.mov/index_0_av.m3u8', '/vod/hls/').sourceRel).toBe('a.mov');
    expect(codeOf('/i/a.mov/index_0_av.m3u8')).toBe('OK');
  });

  it.each([
    ['/i/../etc/passwd.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/%2e%2e/etc/passwd.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/%2E%2E/etc/passwd.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/a/./b.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/a%2f..%2f..%2fetc%2fpasswd.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/a%2Fb.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/a%00.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/..%5c..%5cwin.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/a\\b.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i/a%zz.mp4/index_0_av.m3u8', 'BAD_PATH'],
    ['/i//a.mp4/index_0_av.m3u8', 'BAD_PATH'],
  ])('refuses the attack %s with %s', (rawPath, code) => {
    expect(codeOf(rawPath)).toBe(code);
  });

  it.each([
    '/i/a.mp4/segment0_0_av.ts',
    '/i/a.mp4/segment01_0_av.ts',
    '/i/a.mp4/segment1_0_a.ts',
    '/i/a.mp4/index.m3u8',
    '/i/a.mkv/index_0_av.m3u8',
    '/i/.mp4/index_0_av.m3u8',
    '/i/a.mp4',
    '/i/index_0_av.m3u8',
    '/other/a.mp4/index_0_av.m3u8',
    '/i/a.mp4/index_0_av.m3u8/extra',
  ])('answers the unknown shape %s with NOT_FOUND', (rawPath) => {
    expect(codeOf(rawPath)).toBe('NOT_FOUND');
  });

  it.each([
    ['/i/..%2f..%2fx.mp4/index_0_av.m3u8', { code: 'BAD_PATH' }],
    ['/i/%2e%2e%2f%2e%2e/x.mp4/index_0_av.m3u8', { code: 'BAD_PATH' }],
    ['/i/a/%2e%2e/%2e%2e/x.mp4/index_0_av.m3u8', { code: 'BAD_PATH' }],
    // Decoded once: a folder literally named `%2e%2e`, inside the media root.
    ['/i/%252e%252e/x.mp4/index_0_av.m3u8', { sourceRel: '%2e%2e/x.mp4' }],
    ['/i/a/b/c.mp4/index_0_av.m3u8', { sourceRel: 'a/b/c.mp4' }],
  ])('never yields a source path outside the media root for %s', (attempt, outcome) => {
    if ('code' in outcome) {
      expect(codeOf(attempt)).toBe(outcome.code);
      return;
    }
    const { sourceRel } = parseRequestPath(attempt, '/i/');
    expect(sourceRel).toBe(outcome.sourceRel);
    expect(path.resolve(MEDIA_ROOT, sourceRel).startsWith(MEDIA_ROOT + path.sep)).toBe(true);
  });

});
