import { describe, expect, it } from 'vitest';
import { parseRequestPath } from '../../daemon/http/request-path.js';
import { MAX_CSMIL_RENDITIONS, parseCsmil } from '../../daemon/layout/csmil.js';
import type { ParsedRequest } from '../../daemon/layout/requests.js';
import { failureOf } from '../helpers/expect-code.js';

const hasMp4 = (name: string) => name.toLowerCase().endsWith('.mp4') && name.length > 4;
const parse = (path: string): ParsedRequest => parseRequestPath(path, '/i/');

describe('csmil expansion', () => {
  it('expands prefix + entry + suffix, the suffix carrying the extension', () => {
    expect(parseCsmil('clip_,360,540,720,p.mp4.csmil', hasMp4)?.fileNames).toEqual(['clip_360p.mp4', 'clip_540p.mp4', 'clip_720p.mp4']);
  });

  it('allows an empty prefix and a suffix that is only the extension', () => {
    expect(parseCsmil(',low,high,.mp4.csmil', hasMp4)?.fileNames).toEqual(['low.mp4', 'high.mp4']);
  });

  it('accepts a single entry between prefix and suffix', () => {
    expect(parseCsmil('clip_,720,p.mp4.csmil', hasMp4)?.fileNames).toEqual(['clip_720p.mp4']);
  });

  it('removes duplicate entries, keeping the first occurrence order', () => {
    expect(parseCsmil('c_,720,360,720,360,.mp4.csmil', hasMp4)?.entries).toEqual(['720', '360']);
  });

  it.each([
    ['no .csmil ending', 'clip_,360,p.mp4'],
    ['too few pieces to have an entry', 'clip_,360p.mp4.csmil'],
    ['no comma at all', 'clip.mp4.csmil'],
    ['a suffix without a source extension', 'clip_,360,540,.csmil'],
    ['an extension inside some entries only', 'clip_,360.mp4,540,.csmil'],
  ])('is not a csmil set with %s', (_, segment) => {
    expect(parseCsmil(segment, hasMp4)).toBeUndefined();
  });

  it('takes each entry\'s own extension when the suffix is empty, to mix video and audio-only files', () => {
    expect(parseCsmil('clip_,video_720.mp4,audio_en.m4a,.csmil', (name) => /\.(mp4|m4a)$/.test(name))?.fileNames).toEqual(['clip_video_720.mp4', 'clip_audio_en.m4a']);
  });

  it('refuses an empty entry with BAD_PATH rather than guessing what it names', async () => {
    expect((await failureOf(() => parseCsmil('clip_,360,,720,p.mp4.csmil', hasMp4))).code).toBe('BAD_PATH');
    expect((await failureOf(() => parseCsmil('clip_,,p.mp4.csmil', hasMp4))).code).toBe('BAD_PATH');
  });

  it('refuses more than 32 renditions, the README\'s figure, and takes 32', async () => {
    expect(MAX_CSMIL_RENDITIONS).toBe(32);
    const entries = Array.from({ length: 33 }, (_, i) => String(i));
    expect((await failureOf(() => parseCsmil(`c_,${entries.join(',')},.mp4.csmil`, hasMp4))).code).toBe('BAD_PATH');
    expect(parseCsmil(`c_,${entries.slice(1).join(',')},.mp4.csmil`, hasMp4)?.fileNames).toHaveLength(32);
  });
});

describe('request paths for master and I-frame playlists', () => {
  it('parses a csmil master into sibling renditions of its folder', () => {
    expect(parse('/i/shows/ep1/clip_,360,540,720,p.mp4.csmil/master.m3u8')).toEqual({
      type: 'set',
      sourceRels: ['shows/ep1/clip_360p.mp4', 'shows/ep1/clip_540p.mp4', 'shows/ep1/clip_720p.mp4'],
      cachePath: 'i/shows/ep1/clip_,360,540,720,p.mp4.csmil/master.m3u8',
    });
  });

  it('parses a csmil at the top of the media root', () => {
    expect(parse('/i/clip_,360,p.mp4.csmil/master.m3u8')).toMatchObject({ type: 'set', sourceRels: ['clip_360p.mp4'] });
  });

  it('decodes percent-escapes in a csmil once, commas included', () => {
    expect(parse('/i/a%20b/clip%20,360%2C540,p.mp4.csmil/master.m3u8')).toMatchObject({
      sourceRels: ['a b/clip 360p.mp4', 'a b/clip 540p.mp4'],
      cachePath: 'i/a b/clip ,360,540,p.mp4.csmil/master.m3u8',
    });
  });

  it('parses the single-rendition master and the I-frame playlist of a rendition', () => {
    expect(parse('/i/dir/clip.mp4/master.m3u8')).toMatchObject({ type: 'rendition', sourceRel: 'dir/clip.mp4', file: { kind: 'master' } });
    expect(parse('/i/dir/clip.m4v/iframes_0_v.m3u8')).toMatchObject({ type: 'rendition', sourceRel: 'dir/clip.m4v', file: { kind: 'iframe-playlist' } });
  });

  it.each([
    ['a media playlist under a csmil', '/i/clip_,360,540,p.mp4.csmil/index_0_av.m3u8', 404],
    ['a segment under a csmil', '/i/clip_,360,540,p.mp4.csmil/segment1_0_av.ts', 404],
    ['a csmil without entries', '/i/clip_,p.mp4.csmil/master.m3u8', 404],
    ['a csmil whose renditions have no accepted extension', '/i/clip_,360,540,p.mkv.csmil/master.m3u8', 404],
    ['a csmil with an empty entry', '/i/clip_,360,,540,p.mp4.csmil/master.m3u8', 400],
    ['a csmil entry with an encoded slash', '/i/clip_,..%2F..%2Fetc,p.mp4.csmil/master.m3u8', 400],
    ['a csmil entry with a backslash', '/i/clip_,360%5C..,p.mp4.csmil/master.m3u8', 400],
    ['a csmil entry with a NUL byte', '/i/clip_,360%00,p.mp4.csmil/master.m3u8', 400],
    ['a csmil in a parent folder', '/i/../clip_,360,p.mp4.csmil/master.m3u8', 400],
    ['an I-frame playlist of a non-rendition', '/i/dir/clip.txt/iframes_0_v.m3u8', 404],
    ['an I-frame playlist with another index', '/i/dir/clip.mp4/iframes_1_v.m3u8', 404],
  ])('answers %s with %i', async (_, path, status) => {
    expect((await failureOf(() => parse(path))).status).toBe(status);
  });
});
