// A rendition's layout agrees with itself: URL → request → cache path → file kind and source, and back.

import { describe, expect, it } from 'vitest';
import { parseRequestPath } from '../../daemon/http/request-path.js';
import { cachePathOfRequestUri, prefixDir, renditionCacheDir, renditionFilePath, sourceOfCachePath } from '../../daemon/layout/cache-paths.js';
import { fileKindOf, fileNameOf, renditionFile, type RenditionFile } from '../../daemon/layout/rendition-files.js';
import { renditionRequest } from '../../daemon/layout/requests.js';
import { hasSourceExtension } from '../../daemon/layout/sources.js';
import { encodePath } from '../../daemon/layout/uris.js';

const FILES: RenditionFile[] = [
  { kind: 'media-playlist' },
  { kind: 'segment', n: 1 },
  { kind: 'segment', n: 987654321 },
  { kind: 'iframe-playlist' },
  { kind: 'master' },
];

const SOURCES = ['clip.mp4', '2022/04/My Clip é,1.M4V', 'a b/#?%.mov'];
const PREFIXES = ['/i/', '/vod/hls/'];

describe('rendition layout', () => {
  it('reads every file name it writes back as the same file', () => {
    for (const file of FILES) expect(renditionFile(fileNameOf(file))).toEqual(file);
  });

  it('refuses names it never writes: segment 0, leading zeros, other extensions', () => {
    for (const name of ['segment0_0_av.ts', 'segment01_0_av.ts', 'segment1_0_av.m4s', 'index_1_av.m3u8', 'segment1234567890_0_av.ts']) {
      expect(renditionFile(name)).toBeUndefined();
    }
  });

  it('parses the URL of each file of a rendition into the request renditionRequest builds, at the cache path try_files finds', () => {
    for (const urlPrefix of PREFIXES) {
      for (const sourceRel of SOURCES) {
        for (const file of FILES.filter((f) => f.kind !== 'master')) {
          const url = `${urlPrefix}${encodePath(sourceRel)}/${fileNameOf(file)}`;
          const request = renditionRequest(urlPrefix, sourceRel, file);
          expect(parseRequestPath(url, urlPrefix)).toEqual(request);
          expect(cachePathOfRequestUri(`${url}?b=300-800`, urlPrefix)).toBe(request.cachePath);
          expect(request.cachePath).toBe(renditionFilePath(urlPrefix, sourceRel, file));
          expect(request.cachePath.startsWith(renditionCacheDir(urlPrefix, sourceRel))).toBe(true);
          expect(request.cachePath.startsWith(`${prefixDir(urlPrefix)}/`)).toBe(true);
        }
      }
    }
  });

  it('gives back the source of a cache path and the kind the cache records for it', () => {
    const kinds = FILES.map((file) => {
      const cachePath = renditionFilePath('/vod/hls/', '2022/clip.mp4', file);
      expect(sourceOfCachePath(cachePath, '/vod/hls/')).toBe('2022/clip.mp4');
      return fileKindOf(cachePath);
    });
    expect(kinds).toEqual(['playlist', 'segment', 'segment', 'playlist', 'master']);
    // Files prune adopts without knowing them are counted as segments, and a csmil master as a master.
    expect(fileKindOf('i/clip.mp4/notes.txt')).toBe('segment');
    expect(fileKindOf('i/shows/clip_,360,720,p.mp4.csmil/master.m3u8')).toBe('master');
  });

  it('takes the source extensions in any case, and never a bare extension', () => {
    expect(['a.mp4', 'a.M4V', 'a.m4a', 'b.MoV'].every(hasSourceExtension)).toBe(true);
    expect(['.mp4', 'a.mkv', 'a.mp4.txt', 'mp4'].some(hasSourceExtension)).toBe(false);
  });
});
