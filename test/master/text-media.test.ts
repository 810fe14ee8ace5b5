// What masters say of text: SUBTITLES renditions, the CLOSED-CAPTIONS group or NONE, and the MPD's text AdaptationSets.

import { describe, expect, it } from 'vitest';
import { textAdaptationSets } from '../../daemon/master/mpd-text.js';
import { textMediaLines, textVariantAttributes, type TextMedia } from '../../daemon/master/text-media.js';
import { canonicalLanguage, languageName } from '../../daemon/subtitles/languages.js';

const TRACKS = [
  { key: 'en', language: 'en', name: 'English', playlistUri: 'subs_en.m3u8', fileUri: '../subs_en.vtt' },
  { key: 'track3', name: 'Director "commentary"', playlistUri: 'subs_track3.m3u8', fileUri: '../subs_track3.vtt' },
  { key: 'en-GB', language: 'en-GB', name: 'English', playlistUri: 'subs_en-GB.m3u8', fileUri: '../subs_en-GB.vtt' },
];

describe('text renditions in masters', () => {
  it('writes one SUBTITLES rendition per track, names unique within the group, quotes made safe', () => {
    expect(textMediaLines({ subtitles: TRACKS, captionedUris: new Set() })).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,URI="subs_en.m3u8"',
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Director 'commentary'",DEFAULT=NO,AUTOSELECT=YES,URI="subs_track3.m3u8"`,
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English (en-GB)",LANGUAGE="en-GB",DEFAULT=NO,AUTOSELECT=YES,URI="subs_en-GB.m3u8"',
    ]);
  });

  it('says CLOSED-CAPTIONS=NONE when no variant has captions, names the group on those that do, and leaves it off the others', () => {
    const none: TextMedia = { subtitles: [], captionedUris: new Set() };
    expect(textVariantAttributes(none, 'a.m3u8')).toEqual(['CLOSED-CAPTIONS=NONE']);
    const some: TextMedia = { subtitles: TRACKS, captionedUris: new Set(['a.m3u8']) };
    expect(textMediaLines(some).at(-1)).toBe('#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="cc",NAME="CC1",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC1"');
    expect(textVariantAttributes(some, 'a.m3u8')).toEqual(['SUBTITLES="subs"', 'CLOSED-CAPTIONS="cc"']);
    expect(textVariantAttributes(some, 'b.m3u8')).toEqual(['SUBTITLES="subs"']);
    expect(textVariantAttributes(undefined, 'a.m3u8')).toEqual([]);
  });

  it('gives the MPD a text/vtt AdaptationSet per track with its language, label, subtitle role and whole-file BaseURL', () => {
    expect(textAdaptationSets(TRACKS.slice(0, 2), 2)).toEqual([
      '<AdaptationSet id="2" contentType="text" mimeType="text/vtt" lang="en">',
      '  <Label>English</Label>',
      '  <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
      '  <Representation id="text-en" bandwidth="256">',
      '    <BaseURL>../subs_en.vtt</BaseURL>',
      '  </Representation>',
      '</AdaptationSet>',
      '<AdaptationSet id="3" contentType="text" mimeType="text/vtt">',
      '  <Label>Director &quot;commentary&quot;</Label>',
      '  <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
      '  <Representation id="text-track3" bandwidth="256">',
      '    <BaseURL>../subs_track3.vtt</BaseURL>',
      '  </Representation>',
      '</AdaptationSet>',
    ]);
  });

  it('canonicalises language tags (ISO 639-2 codes to the shortest form) and names them in English', () => {
    expect(['eng', 'ger', 'deu', 'pt-br', 'und', 'not a tag'].map(canonicalLanguage)).toEqual(['en', 'de', 'de', 'pt-BR', undefined, undefined]);
    expect(languageName('pt-BR')).toBe('Brazilian Portuguese');
  });
});
