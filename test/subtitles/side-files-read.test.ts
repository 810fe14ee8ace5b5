// SRT and WebVTT side files read into cues, and refused with a reason naming the line when broken.

import { describe, expect, it } from 'vitest';
import { formatVttTimestamp, parseTimestampMs } from '../../daemon/subtitles/cues.js';
import { parseSrt, srtTextToVtt } from '../../daemon/subtitles/srt-read.js';
import { decodeUtf8 } from '../../daemon/subtitles/text-decode.js';
import { parseWebVtt } from '../../daemon/subtitles/webvtt-read.js';
import { refusalOf } from '../helpers/expect-code.js';

describe('WebVTT and SRT side files', () => {
  it('reads WebVTT cues with their identifiers and settings, skipping NOTE and STYLE blocks, sorted by start', () => {
    const text = 'WEBVTT - a title\n\nNOTE a comment\n\nSTYLE\n::cue { color: red }\n\nsecond\n00:02.000 --> 00:03.500 line:0\nTwo\nlines\n\n00:00:01.000 --> 00:00:01.900\nOne\n';
    expect(parseWebVtt(text, 'x.en.vtt')).toEqual([
      { startMs: 1000, endMs: 1900, text: 'One' },
      { startMs: 2000, endMs: 3500, text: 'Two\nlines', id: 'second', settings: 'line:0' },
    ]);
  });

  it('reads SRT cues, keeping i/b/u markup, dropping font tags and escaping the rest', () => {
    const text = '1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Hi</i> & <font color="red">you</font> <3\r\n\r\n2\r\n00:01:00,000 --> 00:01:01,000\r\nBye\r\n';
    expect(parseSrt(text, 'x.en.srt')).toEqual([
      { startMs: 1000, endMs: 2500, text: '<i>Hi</i> &amp; you &lt;3' },
      { startMs: 60_000, endMs: 61_000, text: 'Bye' },
    ]);
    expect(srtTextToVtt('<B>bold</B>')).toBe('<b>bold</b>');
  });

  it('refuses a WebVTT file without its signature, a cue that ends before it starts, and a malformed timestamp, naming the line', () => {
    expect(refusalOf(() => parseWebVtt('00:00:01.000 --> 00:00:02.000\nx\n', 'a.vtt')).message).toMatch(/a\.vtt: line 1: a WebVTT file starts with the line 'WEBVTT'/);
    const backwards = refusalOf(() => parseWebVtt('WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nx\n', 'b.vtt'));
    expect(backwards.code).toBe('SUBTITLE_INVALID');
    expect(backwards.message).toMatch(/b\.vtt: line 3: the cue ends .* before it starts/);
    expect(refusalOf(() => parseWebVtt('WEBVTT\n\n00:00:01.0 --> 00:00:02.000\nx\n', 'c.vtt')).message).toMatch(/line 3: not a timestamp: '00:00:01.0'/);
    expect(refusalOf(() => parseSrt('1\n00:00:01,000 -> 00:00:02,000\nx\n', 'd.srt')).message).toMatch(/d\.srt: line 1: a block without a cue timing line/);
    expect(refusalOf(() => parseSrt('', 'e.srt')).message).toMatch(/e\.srt: no cue/);
  });

  it('takes UTF-8 (with or without a BOM) and refuses other encodings with the offset of the first bad byte', () => {
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9]), 'a.srt')).toBe('hé');
    // "Tschüss" in Latin-1: the ü is 0xFC, not valid UTF-8.
    const latin1 = new Uint8Array([0x54, 0x73, 0x63, 0x68, 0xfc, 0x73, 0x73]);
    const err = refusalOf(() => decodeUtf8(latin1, 'clip.de.srt'));
    expect(err.code).toBe('SUBTITLE_INVALID');
    expect(err.message).toBe('clip.de.srt is not UTF-8 (first invalid byte at offset 4); save it as UTF-8');
  });

  it('reads and writes WebVTT timestamps, hours past 99 included', () => {
    expect(parseTimestampMs('01:02.345')).toBe(62_345);
    expect(parseTimestampMs('100:00:00.001')).toBe(360_000_001);
    expect(parseTimestampMs('00:00:01,500', true)).toBe(1500);
    expect(parseTimestampMs('00:61:00.000')).toBeUndefined();
    expect(formatVttTimestamp(62_345)).toBe('00:01:02.345');
    expect(formatVttTimestamp(360_000_001)).toBe('100:00:00.001');
  });
});
