// Continuity counters run on within a segment and from one independently made segment to the next.

import { describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxSample, MuxSegmentInput } from '../../daemon/mpegts/types.js';
import { inspectTs } from '../helpers/ts-inspector.js';
import { aacAudioConfig, audioSamples, avcConfig, avcSamples } from '../helpers/synthetic-media.js';

const FRAME_90K = 3600; // 25 fps
const AAC_FRAME_90K = (1024 * 90000) / 48000;

/** Video and audio of `seconds` cut into segments of `segmentSec`, each muxed on its own. */
function muxRendition(options: { seconds: number; segmentSec: number; sliceBytes: (i: number) => number; audioBytes: (i: number) => number }): Uint8Array[] {
  const video = avcSamples({ count: options.seconds * 25, firstDts90k: 9090, frameDuration90k: FRAME_90K, gop: 25, sliceBytes: options.sliceBytes });
  const audio = audioSamples({
    count: Math.floor((options.seconds * 90000) / AAC_FRAME_90K),
    firstDts90k: 9090,
    sampleRate: 48000,
    frameSamples: 1024,
    frameBytes: options.audioBytes,
  });
  const segments: Uint8Array[] = [];
  for (let n = 1; (n - 1) * options.segmentSec < options.seconds; n++) {
    const from = 9090 + (n - 1) * options.segmentSec * 90000;
    const to = from + options.segmentSec * 90000;
    const pick = (s: MuxSample[]) => s.filter((x) => x.dts90k >= from && x.dts90k < to);
    segments.push(
      muxSegment({
        segmentNumber: n,
        video: { config: avcConfig(), samples: pick(video) },
        audio: { config: aacAudioConfig(), samples: pick(audio) },
      }),
    );
  }
  return segments;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

describe('continuity counters', () => {
  it('start every PID of segment N at N mod 16 and end it there too', () => {
    const segments = muxRendition({ seconds: 6, segmentSec: 2, sliceBytes: (i) => 500 + ((i * 7919) % 3000), audioBytes: (i) => 150 + (i % 50) });
    segments.forEach((segment, index) => {
      const report = inspectTs(segment);
      expect(report.problems).toEqual([]);
      for (const pid of [0, 0x1000, 0x100, 0x101]) {
        const info = report.continuity.get(pid)!;
        expect({ pid, first: info.first, last: info.last }).toEqual({ pid, first: (index + 1) % 16, last: (index + 1) % 16 });
        expect(info.payloadPackets % 16).toBe(1);
      }
    });
  });

  it('stay continuous across 20 independently muxed segments played back to back', () => {
    const segments = muxRendition({ seconds: 20, segmentSec: 1, sliceBytes: (i) => 50 + ((i * 104729) % 9000), audioBytes: (i) => 8 + ((i * 31) % 400) });
    expect(segments).toHaveLength(20);
    const report = inspectTs(concat(segments));
    expect(report.problems).toEqual([]);
    expect(report.continuity.get(0x100)!.payloadPackets % 16).toBe(20 % 16);
  });

  it('keep every byte of the elementary streams when packets are padded out to the count', () => {
    const segments = muxRendition({ seconds: 4, segmentSec: 2, sliceBytes: (i) => 1 + ((i * 613) % 700), audioBytes: (i) => 5 + (i % 13) });
    const report = inspectTs(concat(segments));
    const video = report.pes.get(0x100)!;
    expect(video).toHaveLength(100);
    // AUD (6) + start code and slice; IDRs add SPS and PPS with their start codes
    video.forEach((pes, i) => {
      const slice = 1 + ((i * 613) % 700);
      expect(pes.payload.length).toBe(6 + 4 + slice + (i % 25 === 0 ? 4 + 24 + 4 + 6 : 0));
    });
    const audioBytes = report.pes.get(0x101)!.reduce((n, p) => n + p.payload.length, 0);
    const frames = report.adtsFrames.get(0x101)!;
    expect(audioBytes).toBe(frames.reduce((n, f) => n + f.frameLength, 0));
    expect(frames.map((f) => f.frameLength - 7)).toEqual(frames.map((_, i) => 5 + (i % 13)));
  });

  it('stay continuous for every PES size around packet boundaries', () => {
    // Slices from 1 to 600 bytes walk the PES length across every stuffing case of the first and last packets.
    for (let start = 0; start < 600; start += 40) {
      const segments = [1, 2].map((segmentNumber) =>
        muxSegment({
          segmentNumber,
          video: {
            config: avcConfig(),
            samples: avcSamples({ count: 40, firstDts90k: 9090 + (segmentNumber - 1) * 40 * FRAME_90K, frameDuration90k: FRAME_90K, gop: 40, sliceBytes: (i) => start + i + 1 }),
          },
        }),
      );
      expect(inspectTs(concat(segments)).problems).toEqual([]);
    }
  });

  it('reach the count even when a PID carries only a few bytes in the whole segment', () => {
    // Two frames 100 ms apart go in two PES (one packet each): 15 more packets are needed from at most 2 frame bytes.
    const config = { codec: 'mp3' as const, sampleRate: 44100, channelCount: 2 };
    const frame = (dts90k: number, bytes: number): MuxSample => ({ dts90k, pts90k: dts90k, isKey: true, data: new Uint8Array(bytes).fill(0x55) });
    for (const frameBytes of [0, 1, 2, 5, 20]) {
      const segment = (segmentNumber: number): MuxSegmentInput => ({
        segmentNumber,
        audio: { config, samples: [frame(segmentNumber * 18000, frameBytes), frame(segmentNumber * 18000 + 9000, frameBytes)] },
      });
      const report = inspectTs(concat([muxSegment(segment(7)), muxSegment(segment(8))]));
      expect(report.problems).toEqual([]);
      expect(report.continuity.get(0x101)!.payloadPackets).toBe(34);
      expect(report.pes.get(0x101)!.map((p) => p.payload.length)).toEqual([frameBytes, frameBytes, frameBytes, frameBytes]);
    }
  });

  it('wrap from 15 to 0 between segments 15 and 16', () => {
    const segments = [15, 16, 17].map((segmentNumber) =>
      muxSegment({
        segmentNumber,
        video: {
          config: avcConfig(),
          samples: avcSamples({ count: 10, firstDts90k: segmentNumber * 36000, frameDuration90k: FRAME_90K, gop: 10, sliceBytes: () => 2000 }),
        },
      }),
    );
    expect(segments.map((s) => inspectTs(s).continuity.get(0x100)!.first)).toEqual([15, 0, 1]);
    expect(inspectTs(concat(segments)).problems).toEqual([]);
  });
});
