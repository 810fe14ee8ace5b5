// PTS and DTS are written exactly, modulo 2^33, and PCRs lead them at least every 100 ms.

import { describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxSample } from '../../daemon/mpegts/types.js';
import { inspectTs } from '../helpers/ts-inspector.js';
import { aacAudioConfig, audioSamples, avcConfig, avcSamples } from '../helpers/synthetic-media.js';

const WRAP = 2 ** 33;

/** 25 fps with B-frame reordering: PTS = DTS + 2 frames for references, + 0..1 for B-frames. */
function reorderedVideo(firstDts90k: number, count = 50): MuxSample[] {
  return avcSamples({ count, firstDts90k, frameDuration90k: 3600, gop: 25, sliceBytes: () => 400, ctsOffset90k: (i) => (i % 3 === 0 ? 7200 : 3600 * (i % 3)) });
}

describe('PES timestamps', () => {
  it('carry each sample PTS and DTS, with DTS omitted when equal to PTS', () => {
    const video = reorderedVideo(9090);
    const audio = audioSamples({ count: 60, firstDts90k: 9090, sampleRate: 48000, frameSamples: 1024, frameBytes: () => 300 });
    const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: video }, audio: { config: aacAudioConfig(), samples: audio } }));
    expect(report.problems).toEqual([]);
    const pes = report.pes.get(0x100)!;
    expect(pes.map((p) => p.pts)).toEqual(video.map((s) => s.pts90k));
    expect(pes.map((p) => p.dts)).toEqual(video.map((s) => (s.dts90k === s.pts90k ? undefined : s.dts90k)));
    const audioPes = report.pes.get(0x101)!;
    expect(audioPes.every((p) => p.dts === undefined)).toBe(true);
    // each audio PES is stamped with the PTS of its first frame
    const firstFrames = new Set(audio.map((s) => s.pts90k));
    expect(audioPes.every((p) => firstFrames.has(p.pts!))).toBe(true);
  });

  it('wrap PTS and DTS modulo 2^33 instead of truncating to 32 bits', () => {
    for (const firstDts of [2 ** 31 - 3600, 2 ** 32 - 3600, WRAP - 5 * 3600, WRAP + 123_456, 3 * WRAP - 3600]) {
      const video = reorderedVideo(firstDts, 12);
      const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: video } }));
      const pes = report.pes.get(0x100)!;
      expect(pes.map((p) => p.pts)).toEqual(video.map((s) => s.pts90k % WRAP));
      expect(pes.map((p) => p.dts ?? p.pts)).toEqual(video.map((s) => s.dts90k % WRAP));
    }
  });

  it('write the largest 33-bit timestamp with every bit in place', () => {
    const max = WRAP - 1;
    const sample = { dts90k: max - 3600, pts90k: max, isKey: true, data: avcSamples({ count: 1, firstDts90k: 0, frameDuration90k: 1, gop: 1, sliceBytes: () => 10 })[0].data };
    const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: [sample] } }));
    expect(report.problems).toEqual([]);
    expect(report.pes.get(0x100)![0]).toMatchObject({ pts: max, dts: max - 3600 });
  });
});

describe('PCR', () => {
  it('leads the DTS of the PES it is sent with by 100 ms', () => {
    const video = reorderedVideo(900_000);
    const report = inspectTs(muxSegment({ segmentNumber: 2, video: { config: avcConfig(), samples: video } }));
    expect(report.problems).toEqual([]);
    const pes = report.pes.get(0x100)!;
    for (const p of pes) {
      expect(p.pcrBefore?.packetIndex).toBe(p.packetIndex);
      expect((p.dts ?? p.pts)! - p.pcrBefore!.base90k).toBe(9000);
    }
  });

  it('is never negative at the very start of a rendition', () => {
    const video = reorderedVideo(0, 5);
    const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: video } }));
    expect(report.problems).toEqual([]);
    expect(report.pcrs[0].base90k).toBe(0);
  });

  it('comes at least every 100 ms even with 2 frames per second', () => {
    const video = avcSamples({ count: 10, firstDts90k: 9090, frameDuration90k: 45_000, gop: 4, sliceBytes: () => 5000 });
    const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: video } }));
    expect(report.problems).toEqual([]);
    const steps = report.pcrs.slice(1).map((p, i) => p.base90k - report.pcrs[i].base90k);
    expect(Math.max(...steps)).toBeLessThanOrEqual(9000);
    // 4.5 s of PCRs at most 100 ms apart, most of them in packets with an adaptation field only
    expect(report.pcrs.length).toBeGreaterThanOrEqual(46);
    expect(report.pcrs.filter((p) => p.adaptationOnly).length).toBeGreaterThan(30);
  });

  it('keeps coming at least every 100 ms across the boundary between two 2 fps segments', () => {
    const video = avcSamples({ count: 8, firstDts90k: 9090, frameDuration90k: 45_000, gop: 4, sliceBytes: () => 3000 });
    const segment = (n: number, part: MuxSample[]) => muxSegment({ segmentNumber: n, video: { config: avcConfig(), samples: part } });
    const report = inspectTs(Buffer.concat([segment(1, video.slice(0, 4)), segment(2, video.slice(4))]));
    expect(report.problems).toEqual([]);
    const steps = report.pcrs.slice(1).map((p, i) => p.base90k - report.pcrs[i].base90k);
    expect(Math.max(...steps)).toBeLessThanOrEqual(9000);
  });

  it('precedes the first PES and every later one when audio starts before video', () => {
    const video = avcSamples({ count: 25, firstDts90k: 90_000, frameDuration90k: 3600, gop: 25, sliceBytes: () => 800 });
    const audio = audioSamples({ count: 60, firstDts90k: 9090, sampleRate: 48000, frameSamples: 1024, frameBytes: () => 300 });
    const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: video }, audio: { config: aacAudioConfig(), samples: audio } }));
    expect(report.problems).toEqual([]);
    expect(report.pids[2]).toBe(0x100);
    expect(report.pcrs[0]).toMatchObject({ packetIndex: 2, adaptationOnly: true, base90k: 90 });
  });

  it('rides on the audio PES of an audio-only rendition, at most 100 ms apart', () => {
    for (const sampleRate of [44100, 48000, 22050]) {
      const audio = audioSamples({ count: 200, firstDts90k: 9090, sampleRate, frameSamples: 1024, frameBytes: () => 200 });
      const report = inspectTs(muxSegment({ segmentNumber: 3, audio: { config: aacAudioConfig(sampleRate), samples: audio } }));
      expect(report.problems).toEqual([]);
      expect(report.pcrs.every((p) => p.pid === 0x101)).toBe(true);
      const steps = report.pcrs.slice(1).map((p, i) => p.base90k - report.pcrs[i].base90k);
      expect(Math.max(...steps)).toBeLessThanOrEqual(9000);
    }
  });

  it('wraps with the timestamps past 2^33', () => {
    const video = reorderedVideo(WRAP - 10 * 3600, 30);
    const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: video } }));
    expect(report.problems).toEqual([]);
    const pcrs = report.pcrs.map((p) => p.base90k);
    expect(pcrs[0]).toBe(WRAP - 10 * 3600 - 9000);
    expect(pcrs.at(-1)).toBe(video.at(-1)!.dts90k - 9000 - WRAP);
  });
});
