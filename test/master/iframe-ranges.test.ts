import { describe, expect, it } from 'vitest';
import { iframeEntries } from '../../daemon/master/iframe-entries.js';
import { findKeyframeRanges } from '../../daemon/master/iframe-ranges.js';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import { renderIframePlaylist } from '../../daemon/plan/iframe-playlist.js';
import { failureOf } from '../helpers/expect-code.js';
import { muxInputOf, syntheticRendition } from '../helpers/synthetic-movie.js';
import { inspectTs } from '../helpers/ts-inspector.js';

const PACKET = 188;

/** 3 s of 25 fps video with an IDR every second, B-frame offsets, and AAC. */
function threeGopSegment(): Uint8Array {
  const rendition = syntheticRendition({
    video: { frames: 75, timescale: 12800, frameDuration: 512, gop: 25, sliceBytes: (i) => (i % 25 === 0 ? 9000 : 800 + i), cts: (i) => ((i % 3) + 1) * 512 },
    audio: { frames: 141, sampleRate: 48000, frameBytes: () => 200 },
  });
  return muxSegment(muxInputOf(rendition, 7, { durationSec: 3, video: { firstSample: 0, lastSample: 74 }, audio: { firstSample: 0, lastSample: 140 } }));
}

describe('IDR byte ranges read back from a muxed segment', () => {
  const ts = threeGopSegment();
  const inspection = inspectTs(ts);
  const videoPid = inspection.pmt!.streams.find((s) => s.streamType === 0x1b)!.pid;
  const videoPes = inspection.pes.get(videoPid)!;
  const idrPes = videoPes.filter((_, k) => inspection.accessUnits.get(videoPid)![k].nalTypes.includes(5));

  it('finds one range per IDR picture, with its PTS', () => {
    const ranges = findKeyframeRanges(ts);
    expect(idrPes).toHaveLength(3);
    expect(ranges.map((r) => r.pts90k)).toEqual(idrPes.map((p) => p.pts));
  });

  it('starts the first range at byte 0, so it holds the PAT and PMT', () => {
    const [first] = findKeyframeRanges(ts);
    expect(first.offsetBytes).toBe(0);
    expect(first.offsetBytes + first.lengthBytes).toBe((idrPes[0].packetIndex + idrPes[0].packetCount) * PACKET);
  });

  it('covers later pictures from their first packet through their last, whole packets only', () => {
    const ranges = findKeyframeRanges(ts).slice(1);
    ranges.forEach((range, k) => {
      const pes = idrPes[k + 1];
      expect(range.offsetBytes).toBe(pes.packetIndex * PACKET);
      expect(range.lengthBytes).toBe(pes.packetCount * PACKET);
    });
  });

  it('decodes each later range as one IDR access unit when the PAT and PMT are put before it', () => {
    for (const range of findKeyframeRanges(ts).slice(1)) {
      const alone = new Uint8Array(2 * PACKET + range.lengthBytes);
      alone.set(ts.subarray(0, 2 * PACKET));
      alone.set(ts.subarray(range.offsetBytes, range.offsetBytes + range.lengthBytes), 2 * PACKET);
      const units = inspectTs(alone).accessUnits.get(videoPid)!;
      expect(units).toHaveLength(1);
      expect(units[0].nalTypes).toContain(5);
    }
  });

  it('includes a PAT and PMT that a muxer repeated right before a keyframe', () => {
    const second = idrPes[1].packetIndex * PACKET;
    const repeated = new Uint8Array(ts.length + 2 * PACKET);
    repeated.set(ts.subarray(0, second));
    repeated.set(ts.subarray(0, 2 * PACKET), second);
    repeated.set(ts.subarray(second), second + 2 * PACKET);
    const range = findKeyframeRanges(repeated)[1];
    expect(range.offsetBytes).toBe(second);
    expect(range.lengthBytes).toBe((idrPes[1].packetCount + 2) * PACKET);
  });

  it('finds nothing in a segment without video', () => {
    const rendition = syntheticRendition({ audio: { frames: 50, sampleRate: 48000, frameBytes: () => 100 } });
    expect(findKeyframeRanges(muxSegment(muxInputOf(rendition, 1, { durationSec: 1, audio: { firstSample: 0, lastSample: 49 } })))).toEqual([]);
  });

  it('refuses bytes that are not a transport stream', async () => {
    expect((await failureOf(() => findKeyframeRanges(ts.subarray(0, ts.length - 1)))).code).toBe('PACKAGER_FAILED');
    const broken = ts.slice();
    broken[5 * PACKET] = 0;
    expect((await failureOf(() => findKeyframeRanges(broken))).code).toBe('PACKAGER_FAILED');
  });
});

describe('I-frame playlist entries', () => {
  const range = (pts90k: number, offsetBytes = 0) => ({ offsetBytes, lengthBytes: 1880, pts90k });

  it('lasts from each picture to the next, the last one until the end of the rendition', () => {
    const entries = iframeEntries(
      [
        { segmentNumber: 1, ranges: [range(90_000), range(180_000, 37_600)] },
        { segmentNumber: 2, ranges: [range(270_000)] },
      ],
      3.5,
    );
    expect(entries.map((e) => [e.segmentNumber, e.durationSec])).toEqual([
      [1, 1],
      [1, 1],
      [2, 1.5],
    ]);
  });

  it('carries times across the 33-bit PTS wrap', () => {
    const wrap = 2 ** 33;
    const entries = iframeEntries([{ segmentNumber: 1, ranges: [range(wrap - 45_000), range(45_000)] }], 2);
    expect(entries.map((e) => e.durationSec)).toEqual([1, 1]);
  });

  it('renders version 4 with I-FRAMES-ONLY and a byte range per picture', () => {
    const text = renderIframePlaylist({
      entries: [
        { segmentNumber: 1, offsetBytes: 0, lengthBytes: 7896, durationSec: 1 },
        { segmentNumber: 2, offsetBytes: 112_424, lengthBytes: 11_280, durationSec: 1.0206 },
      ],
      segmentUri: (n) => `segment${n}_0_av.ts`,
    });
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-TARGETDURATION:1',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-VERSION:4',
        '#EXT-X-MEDIA-SEQUENCE:1',
        '#EXT-X-I-FRAMES-ONLY',
        '#EXTINF:1.000,',
        '#EXT-X-BYTERANGE:7896@0',
        'segment1_0_av.ts',
        '#EXTINF:1.021,',
        '#EXT-X-BYTERANGE:11280@112424',
        'segment2_0_av.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });
});
