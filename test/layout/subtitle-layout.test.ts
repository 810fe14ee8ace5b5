// Subtitle file names: what each URL name is, the side files a rendition takes, and where a master finds them.

import { describe, expect, it } from 'vitest';
import { fileKindOf, fileNameOf, renditionFile } from '../../daemon/layout/rendition-files.js';
import { requestOfSegments } from '../../daemon/layout/requests.js';
import { sideFileOf, subtitleBaseUri } from '../../daemon/layout/subtitle-files.js';

describe('subtitle file names', () => {
  it('reads the playlist, segment and whole-file names of side-file and embedded tracks, and writes them back', () => {
    const cases = [
      ['subs_en.m3u8', { kind: 'subs-playlist', key: 'en' }],
      ['subs_pt-BR_12.vtt', { kind: 'subs-segment', key: 'pt-BR', n: 12 }],
      ['subs_track3.vtt', { kind: 'subs-whole', key: 'track3' }],
      ['subs_track3_1.vtt', { kind: 'subs-segment', key: 'track3', n: 1 }],
    ] as const;
    for (const [name, file] of cases) {
      expect(renditionFile(name)).toEqual(file);
      expect(fileNameOf(file)).toBe(name);
    }
    for (const name of ['subs_en_0.vtt', 'subs_e.m3u8', 'subs_track0.vtt', 'subs_en.srt', 'subs_en_1.m3u8', 'subs_.vtt', 'subs_en-.vtt']) expect(renditionFile(name)).toBeUndefined();
    expect(fileKindOf('i/clip.mp4/subs_en.m3u8')).toBe('playlist');
    expect(fileKindOf('i/clip.mp4/subs_en_3.vtt')).toBe('segment');
  });

  it('routes a subtitle URL to its rendition and cache path', () => {
    expect(requestOfSegments(['i', 'dir', 'clip.mp4', 'subs_fr_2.vtt'], '/i/')).toEqual({
      type: 'rendition',
      sourceRel: 'dir/clip.mp4',
      file: { kind: 'subs-segment', key: 'fr', n: 2 },
      cachePath: 'i/dir/clip.mp4/subs_fr_2.vtt',
    });
    expect(requestOfSegments(['i', 'clip.mp4', 'cmaf', 'subs_fr.m3u8'], '/i/')).toBeUndefined();
  });

  it('takes side files named after the MP4 without its extension, with a language tag and vtt or srt', () => {
    expect(sideFileOf('clip.mp4', 'clip.en.vtt')).toEqual({ language: 'en', format: 'vtt' });
    expect(sideFileOf('clip.mp4', 'clip.pt-BR.SRT')).toEqual({ language: 'pt-BR', format: 'srt' });
    expect(sideFileOf('show.s01.mp4', 'show.s01.zh-Hant.srt')).toEqual({ language: 'zh-Hant', format: 'srt' });
    for (const name of ['clip.vtt', 'clip.mp4.en.vtt', 'clip.english.vtt', 'clip2.en.vtt', 'clip.en.txt', 'clip.en.fr.vtt']) expect(sideFileOf('clip.mp4', name)).toBeUndefined();
  });

  it('points masters at the subtitle files in the rendition folder, from a rendition, a set, and the cmaf/ folder', () => {
    const uri = { publicBaseUrl: '', urlPrefix: '/i/', sourceRel: 'dir/clip_360p.mp4' };
    expect(subtitleBaseUri({ ...uri, from: 'rendition' }, 'ts')).toBe('');
    expect(subtitleBaseUri({ ...uri, from: 'rendition' }, 'cmaf')).toBe('../');
    expect(subtitleBaseUri({ ...uri, from: 'set' }, 'ts')).toBe('../clip_360p.mp4/');
    expect(subtitleBaseUri({ ...uri, from: 'set' }, 'cmaf')).toBe('../../clip_360p.mp4/');
    expect(subtitleBaseUri({ ...uri, publicBaseUrl: 'https://cdn.example', from: 'set' }, 'cmaf')).toBe('https://cdn.example/i/dir/clip_360p.mp4/');
  });
});
