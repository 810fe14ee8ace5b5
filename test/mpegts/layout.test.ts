// The layout stage predicts what the write stage writes: sizes and keyframe offsets, on crafted edge cases.

import { describe, expect, it } from 'vitest';
import { findKeyframeRanges } from '../../daemon/master/iframe-ranges.js';
import { keyframeRanges, layoutSizeBytes } from '../../daemon/mpegts/layout.js';
import { muxLayout, muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxSample, MuxSegmentInput, MuxVideoConfig } from '../../daemon/mpegts/types.js';
import { AVC_PPS, AVC_SPS, aacAudioConfig, audioSamples, avcConfig, avcNal, avcSamples, hevcNal, lengthPrefixed } from '../helpers/synthetic-media.js';

function expectLayoutWritten(input: MuxSegmentInput) {
  const layout = muxLayout(input);
  const written = muxSegment(input);
  expect(layoutSizeBytes(layout)).toBe(written.length);
  expect(keyframeRanges(layout)).toEqual(findKeyframeRanges(written));
  return { layout, written };
}

const sample = (i: number, nals: Uint8Array[], isKey: boolean, lengthSize = 4): MuxSample => ({
  dts90k: 90_000 + i * 3600,
  pts90k: 90_000 + i * 3600,
  isKey,
  data: lengthPrefixed(nals, lengthSize),
});

describe('the layout of a segment', () => {
  it('sizes a last PID of one tiny frame that needs PES header stuffing to reach its continuity count', () => {
    const audio = audioSamples({ count: 1, firstDts90k: 90_000, sampleRate: 48000, frameSamples: 1024, frameBytes: () => 3 });
    expectLayoutWritten({ segmentNumber: 9, audio: { config: aacAudioConfig(), samples: audio } });
  });

  it('sizes pictures that carry their own delimiter and parameter sets, which the writer drops or does not repeat', () => {
    const aud = avcNal(9, 2);
    const samples = [sample(0, [aud, AVC_SPS, AVC_PPS, avcNal(5, 900)], true), sample(1, [aud, avcNal(1, 300)], false), sample(2, [AVC_SPS, avcNal(5, 700)], true)];
    const { layout } = expectLayoutWritten({ segmentNumber: 1, video: { config: avcConfig(), samples } });
    expect(keyframeRanges(layout)).toHaveLength(2);
  });

  it('sizes several NAL units per picture behind 1- and 2-byte length prefixes, which grow into start codes', () => {
    for (const lengthSize of [1, 2]) {
      const samples = [0, 1, 2, 3].map((i) => sample(i, [avcNal(6, 10), avcNal(i === 0 ? 5 : 1, 100 + i * 37), avcNal(1, 150)], i === 0, lengthSize));
      expectLayoutWritten({ segmentNumber: 3, video: { config: avcConfig(lengthSize), samples } });
    }
  });

  it('lists a CRA picture as a keyframe, and a sync sample that holds no random access picture as neither', () => {
    const hevc: MuxVideoConfig = { codec: 'hevc', nalLengthSize: 4, vps: [hevcNal(32, 20)], sps: [hevcNal(33, 30)], pps: [hevcNal(34, 8)] };
    const samples = [sample(0, [hevcNal(19, 800)], true), sample(1, [hevcNal(1, 200)], false), sample(2, [hevcNal(21, 600)], true), sample(3, [hevcNal(1, 300)], true)];
    const { layout, written } = expectLayoutWritten({ segmentNumber: 2, video: { config: hevc, samples } });
    const ranges = keyframeRanges(layout);
    expect(ranges).toHaveLength(2);
    expect(ranges[1].pts90k).toBe(layout.video[2].pts90k);
    expect(findKeyframeRanges(written)).toEqual(ranges);
  });

  it('counts PCR-only packets at 4 pictures a second and when audio decodes before the first picture', () => {
    const video = avcSamples({ count: 8, firstDts90k: 100_000, frameDuration90k: 22_500, gop: 4, sliceBytes: (i) => 2000 + i * 311 });
    const audio = audioSamples({ count: 90, firstDts90k: 90_000, sampleRate: 48000, frameSamples: 1024, frameBytes: (i) => 200 + (i % 7) });
    const { layout } = expectLayoutWritten({ segmentNumber: 4, video: { config: avcConfig(), samples: video }, audio: { config: aacAudioConfig(), samples: audio } });
    expect(layout.items.filter((item) => item.kind === 'pcr').length).toBeGreaterThan(1);
  });

  it('sizes a segment where only audio remains while the clock is still declared on video', () => {
    const audio = audioSamples({ count: 40, firstDts90k: 90_000, sampleRate: 44100, frameSamples: 1024, frameBytes: (i) => 150 + i });
    expectLayoutWritten({ segmentNumber: 5, video: { config: avcConfig(), samples: [] }, audio: { config: aacAudioConfig(44100), samples: audio } });
  });
});
