import { describe, expect, it } from 'vitest';
import { languageOfFileName } from '../../daemon/layout/audio-names.js';
import { cmafFile } from '../../daemon/layout/cmaf-files.js';
import { fileKindOf, renditionFile } from '../../daemon/layout/rendition-files.js';
import { trackPlaylistName, trackSegmentName } from '../../daemon/layout/track-files.js';

describe('the files of one track alone', () => {
  it('names the video alone _0_v and audio track k _<k>_a, and reads the names back', () => {
    expect(trackPlaylistName({ type: 'video' })).toBe('index_0_v.m3u8');
    expect(trackSegmentName({ type: 'video' }, 3)).toBe('segment3_0_v.ts');
    expect(trackPlaylistName({ type: 'audio', k: 2 })).toBe('index_2_a.m3u8');
    expect(trackSegmentName({ type: 'audio', k: 2 }, 7)).toBe('segment7_2_a.ts');
    expect(renditionFile('index_2_a.m3u8')).toEqual({ kind: 'track-playlist', track: { type: 'audio', k: 2 } });
    expect(renditionFile('segment7_0_v.ts')).toEqual({ kind: 'track-segment', track: { type: 'video' }, n: 7 });
    expect(fileKindOf('i/clip.mp4/index_2_a.m3u8')).toBe('playlist');
    expect(fileKindOf('i/clip.mp4/segment7_2_a.ts')).toBe('segment');
  });

  it.each(['index_0_a.m3u8', 'index_1_v.m3u8', 'segment0_1_a.ts', 'index_01_a.m3u8', 'segment1_100_a.ts'])('is not %s', (name) => {
    expect(renditionFile(name)).toBeUndefined();
  });

  it('names the CMAF files of audio track k audio<k>', () => {
    expect(cmafFile('audio3.m3u8')).toEqual({ kind: 'cmaf-playlist', track: 'audio3' });
    expect(cmafFile('audio3_init.mp4')).toEqual({ kind: 'cmaf-init', track: 'audio3' });
    expect(cmafFile('audio3_12.m4s')).toEqual({ kind: 'cmaf-segment', track: 'audio3', n: 12 });
    expect(cmafFile('audio0.m3u8')).toBeUndefined();
  });
});

describe('the language of a file name', () => {
  it.each([
    ['clip_audio_en.m4a', 'en'],
    ['clip-audio-fra.m4a', 'fr'],
    ['show.deu.m4a', 'de'],
    ['clip_audio.m4a', undefined],
    ['clip_720p.mp4', undefined],
    ['clip_aac.m4a', undefined],
    ['clip_und.m4a', undefined],
  ])('%s speaks %s', (name, language) => {
    expect(languageOfFileName(name)).toBe(language);
  });
});
