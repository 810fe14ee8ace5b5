import { describe, expect, it } from 'vitest';
import { segmentFileName } from '../../daemon/layout/rendition-files.js';
import { relativePlaylistBytes, renderMediaPlaylist, startTag, targetDurationSec, withStartTag } from '../../daemon/plan/playlist.js';

describe('EXT-X-START past a kept pre-roll', () => {
  it('lands at least half a millisecond inside the first picture, rounded up to the millisecond', () => {
    expect(startTag(1.6)).toBe('#EXT-X-START:TIME-OFFSET=1.601,PRECISE=YES');
    expect(startTag(1.5999999)).toBe('#EXT-X-START:TIME-OFFSET=1.601,PRECISE=YES');
    expect(startTag(0.52)).toBe('#EXT-X-START:TIME-OFFSET=0.521,PRECISE=YES');
  });

  it('is written after the media sequence, and counted in the playlist bytes', () => {
    const text = renderMediaPlaylist({ durationsSec: [2, 1.5], segmentUri: segmentFileName, allowCache: true, startOffsetSec: 0.52 });
    expect(text.split('\n').slice(5, 7)).toEqual(['#EXT-X-MEDIA-SEQUENCE:1', '#EXT-X-START:TIME-OFFSET=0.521,PRECISE=YES']);
    expect(relativePlaylistBytes([2, 1.5], 0.52)).toBe(text.length);
    expect(renderMediaPlaylist({ durationsSec: [2], segmentUri: segmentFileName, allowCache: true })).not.toContain('EXT-X-START');
  });

  it('goes after the first line of a playlist rendered elsewhere, and nowhere without an offset', () => {
    expect(withStartTag('#EXTM3U\n#EXT-X-VERSION:7\n', 1.6)).toBe('#EXTM3U\n#EXT-X-START:TIME-OFFSET=1.601,PRECISE=YES\n#EXT-X-VERSION:7\n');
    expect(withStartTag('#EXTM3U\n', undefined)).toBe('#EXTM3U\n');
  });
});

describe('media playlist', () => {
  it.each([[[]], [[6.4]], [[10, 10, 6.186]], [Array.from({ length: 1234 }, (_, i) => 2 + (i % 7) * 0.5)], [[123456.789]]])(
    'counts the bytes of the relative playlist for %j exactly as it is written',
    (durationsSec) => {
      expect(relativePlaylistBytes(durationsSec)).toBe(renderMediaPlaylist({ durationsSec, segmentUri: segmentFileName, allowCache: true }).length);
    },
  );

  it.each([
    [[6.4], 6],
    [[6.5], 7],
    [[6.4999], 7], // printed as 6.500, and the printed text is what players round
    [[10.0004], 10],
    [[10, 10, 6.186], 10],
    [[9.5, 10.49], 10],
    [[0.2], 1],
  ])('TARGETDURATION of %j is %i (round half up of the printed EXTINF)', (durations, expected) => {
    expect(targetDurationSec(durations)).toBe(expected);
  });

  it('writes the tags in the original order, 3-decimal EXTINF, and 1-based segment names', () => {
    const text = renderMediaPlaylist({ durationsSec: [10, 10, 6.1864], segmentUri: segmentFileName, allowCache: true });
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:10',
        '#EXT-X-ALLOW-CACHE:YES',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-VERSION:3',
        '#EXT-X-MEDIA-SEQUENCE:1',
        '#EXTINF:10.000,',
        'segment1_0_av.ts',
        '#EXTINF:10.000,',
        'segment2_0_av.ts',
        '#EXTINF:6.186,',
        'segment3_0_av.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('leaves out EXT-X-ALLOW-CACHE when switched off, and writes absolute URIs when asked', () => {
    const text = renderMediaPlaylist({
      durationsSec: [4],
      segmentUri: (n) => `https://cdn.example/i/a.mp4/${segmentFileName(n)}`,
      allowCache: false,
    });
    expect(text).not.toContain('ALLOW-CACHE');
    expect(text).toContain('\nhttps://cdn.example/i/a.mp4/segment1_0_av.ts\n');
  });
});
