// The CMAF names agree with themselves and with the rest of the layout: URL → request → cache path → kind and source.

import { describe, expect, it } from 'vitest';
import { parseRequestPath } from '../../daemon/http/request-path.js';
import { cachePathOfRequestUri, renditionFilePath, sourceOfCachePath } from '../../daemon/layout/cache-paths.js';
import { cmafFile, cmafFileName, type CmafFile } from '../../daemon/layout/cmaf-files.js';
import { fileKindOf, fileNameOf } from '../../daemon/layout/rendition-files.js';
import { isMasterRequest, masterFormatOf, renditionRequest, type MasterRequest } from '../../daemon/layout/requests.js';
import { cmafBaseUri, encodePath } from '../../daemon/layout/uris.js';

const FILES: CmafFile[] = [
  { kind: 'cmaf-master' },
  { kind: 'cmaf-mpd' },
  { kind: 'cmaf-playlist', track: 'video' },
  { kind: 'cmaf-playlist', track: 'audio' },
  { kind: 'cmaf-init', track: 'video' },
  { kind: 'cmaf-init', track: 'audio' },
  { kind: 'cmaf-segment', track: 'video', n: 1 },
  { kind: 'cmaf-segment', track: 'audio', n: 987654321 },
];

describe('CMAF layout', () => {
  it('reads every CMAF name it writes back as the same file', () => {
    for (const file of FILES) expect(cmafFile(cmafFileName(file))).toEqual(file);
  });

  it('refuses names it never writes', () => {
    for (const name of ['video_0.m4s', 'video_01.m4s', 'subtitles.m3u8', 'video_1.mp4', 'audio_init.m4s', 'segment1_0_av.ts', 'index_0_av.m3u8']) {
      expect(cmafFile(name)).toBeUndefined();
    }
  });

  it("parses each CMAF URL of a rendition into the request renditionRequest builds, in the rendition's cmaf/ folder", () => {
    for (const sourceRel of ['clip.mp4', '2022/My Clip é,1.M4V']) {
      for (const file of FILES) {
        const url = `/i/${encodePath(sourceRel)}/${fileNameOf(file)}`;
        const request = renditionRequest('/i/', sourceRel, file);
        expect(parseRequestPath(url, '/i/')).toEqual(request);
        expect(request.cachePath).toBe(renditionFilePath('/i/', sourceRel, file));
        expect(request.cachePath).toBe(`i/${sourceRel}/cmaf/${cmafFileName(file)}`);
        expect(cachePathOfRequestUri(url, '/i/')).toBe(request.cachePath);
        // prune's reconcile finds the rendition of a CMAF file one folder up.
        expect(sourceOfCachePath(request.cachePath, '/i/')).toBe(sourceRel);
      }
    }
  });

  it('records the HLS master and the MPD as masters, media playlists as playlists, init and media segments as segments', () => {
    const kinds = FILES.map((file) => fileKindOf(renditionFilePath('/i/', 'clip.mp4', file)));
    expect(kinds).toEqual(['master', 'master', 'playlist', 'playlist', 'segment', 'segment', 'segment', 'segment']);
  });

  it('answers a csmil set under cmaf/ with its HLS master or MPD, and nothing else', () => {
    const hls = parseRequestPath('/i/shows/clip_,360,720,p.mp4.csmil/cmaf/master.m3u8', '/i/') as MasterRequest;
    expect(hls).toEqual({
      type: 'set',
      sourceRels: ['shows/clip_360p.mp4', 'shows/clip_720p.mp4'],
      cachePath: 'i/shows/clip_,360,720,p.mp4.csmil/cmaf/master.m3u8',
      format: 'cmaf-hls',
    });
    expect(isMasterRequest(hls)).toBe(true);
    expect(masterFormatOf(hls)).toBe('cmaf-hls');
    const mpd = parseRequestPath('/i/shows/clip_,360,720,p.mp4.csmil/cmaf/manifest.mpd', '/i/') as MasterRequest;
    expect(masterFormatOf(mpd)).toBe('cmaf-dash');
    expect(() => parseRequestPath('/i/shows/clip_,360,720,p.mp4.csmil/cmaf/video.m3u8', '/i/')).toThrow(/no such resource/);
    expect(() => parseRequestPath('/i/clip.mp4/cmaf/other.m4s', '/i/')).toThrow(/no such resource/);
    expect(() => parseRequestPath('/i/clip.txt/cmaf/video.m3u8', '/i/')).toThrow(/no such resource/);
    // The TS master keeps its meaning.
    expect(masterFormatOf(parseRequestPath('/i/clip.mp4/master.m3u8', '/i/') as MasterRequest)).toBe('ts');
  });

  it("points a set's CMAF master at each rendition's own cmaf/ folder, two levels up", () => {
    const options = { publicBaseUrl: '', urlPrefix: '/i/', sourceRel: 'shows/clip 360p.mp4' };
    expect(cmafBaseUri({ ...options, from: 'set' })).toBe('../../clip%20360p.mp4/cmaf/');
    expect(cmafBaseUri({ ...options, from: 'rendition' })).toBe('');
    expect(cmafBaseUri({ ...options, publicBaseUrl: 'https://cdn.example', from: 'set' })).toBe('https://cdn.example/i/shows/clip%20360p.mp4/cmaf/');
  });
});
