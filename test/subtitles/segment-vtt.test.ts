// WebVTT segments cut at the media segments' instants, with X-TIMESTAMP-MAP on the TS timeline, checked with an independent WebVTT parser.

import { describe, expect, it } from 'vitest';
import { WebVTTParser } from 'webvtt-parser';
import { cuesOfSegment, renderSubtitlePlaylist, renderVttFile, renderVttSegment, timestampMapLine } from '../../daemon/subtitles/segment-vtt.js';
import type { Cue } from '../../daemon/subtitles/cues.js';

const SPANS = [
  { number: 1, startSec: 0, durationSec: 2 },
  { number: 2, startSec: 2, durationSec: 2 },
  { number: 3, startSec: 4, durationSec: 1.04 },
];

const CUES: Cue[] = [
  { startMs: 0, endMs: 500, text: 'first' },
  { startMs: 1800, endMs: 2600, text: 'across' },
  { startMs: 4000, endMs: 9000, text: 'past the end' },
];

/** RFC 8216 §3.5 puts X-TIMESTAMP-MAP in the header; this parser reports any header line, and only that is tolerated. */
function parse(text: string) {
  const tree = new WebVTTParser().parse(text, 'metadata');
  expect(tree.errors.filter((e: { message: string }) => e.message !== 'No blank line after the signature.')).toEqual([]);
  return tree.cues.map((c: { startTime: number; endTime: number; text: string }) => [c.startTime, c.endTime, c.text]);
}

describe('WebVTT segments', () => {
  it('repeats a cue across a boundary in both segments and gives the last segment what runs past the end', () => {
    expect(cuesOfSegment(CUES, SPANS, 1).map((c) => c.text)).toEqual(['first', 'across']);
    expect(cuesOfSegment(CUES, SPANS, 2).map((c) => c.text)).toEqual(['across']);
    expect(cuesOfSegment(CUES, SPANS, 3).map((c) => c.text)).toEqual(['past the end']);
    expect(cuesOfSegment(CUES, SPANS, 4)).toEqual([]);
  });

  it('writes segments a WebVTT parser reads back to the same cue times, with the timestamp map of the rendition shift', () => {
    const text = renderVttSegment(cuesOfSegment(CUES, SPANS, 2), 91_920);
    expect(text.split('\n').slice(0, 3)).toEqual(['WEBVTT', 'X-TIMESTAMP-MAP=MPEGTS:91920,LOCAL:00:00:00.000', '']);
    expect(parse(text)).toEqual([[1.8, 2.6, 'across']]);
    expect(parse(renderVttFile(CUES))).toEqual([[0, 0.5, 'first'], [1.8, 2.6, 'across'], [4, 9, 'past the end']]);
    expect(parse(renderVttSegment([], 90_000))).toEqual([]);
  });

  it('wraps the MPEGTS value into 33 bits as the TS timestamps are', () => {
    expect(timestampMapLine(2 ** 33 + 5)).toBe('X-TIMESTAMP-MAP=MPEGTS:5,LOCAL:00:00:00.000');
  });

  it('lists one WebVTT segment per media segment with the media playlist durations', () => {
    expect(renderSubtitlePlaylist(SPANS, (n) => `subs_en_${n}.vtt`)).toBe(
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:1\n' +
        '#EXTINF:2.000,\nsubs_en_1.vtt\n#EXTINF:2.000,\nsubs_en_2.vtt\n#EXTINF:1.040,\nsubs_en_3.vtt\n#EXT-X-ENDLIST\n',
    );
  });
});
