// Audio and video PES are interleaved by DTS, and audio frames are grouped into PES of at most 100 ms.

import { describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxSample } from '../../daemon/mpegts/types.js';
import { inspectTs } from '../helpers/ts-inspector.js';
import { aacAudioConfig, audioSamples, avcConfig, avcSamples } from '../helpers/synthetic-media.js';

function mux(video: MuxSample[], audio: MuxSample[], sampleRate = 48000) {
  return inspectTs(
    muxSegment({ segmentNumber: 5, video: { config: avcConfig(), samples: video }, audio: { config: aacAudioConfig(sampleRate), samples: audio } }),
  );
}

describe('interleaving', () => {
  it('orders all PES of the segment by DTS, whatever their PID', () => {
    const video = avcSamples({ count: 60, firstDts90k: 9090, frameDuration90k: 3003, gop: 30, sliceBytes: (i) => 2000 + ((i * 7) % 5) * 900, ctsOffset90k: () => 6006 });
    const audio = audioSamples({ count: 90, firstDts90k: 9090, sampleRate: 44100, frameSamples: 1024, frameBytes: () => 370 });
    const report = mux(video, audio, 44100);
    expect(report.problems).toEqual([]);
    const all = [...report.pes.values()].flat().sort((a, b) => a.packetIndex - b.packetIndex);
    const dts = all.map((p) => p.dts ?? p.pts!);
    expect(dts).toEqual([...dts].sort((a, b) => a - b));
    expect(report.pes.get(0x100)).toHaveLength(60);
  });

  it('keeps DTS monotonic per PID across two consecutive segments', () => {
    const video = avcSamples({ count: 100, firstDts90k: 9090, frameDuration90k: 3600, gop: 50, sliceBytes: () => 1500, ctsOffset90k: (i) => (i % 2) * 7200 });
    const audio = audioSamples({ count: 188, firstDts90k: 9090, sampleRate: 48000, frameSamples: 1024, frameBytes: () => 300 });
    const split = 9090 + 50 * 3600;
    const segment = (n: number, keep: (s: MuxSample) => boolean) =>
      muxSegment({
        segmentNumber: n,
        video: { config: avcConfig(), samples: video.filter(keep) },
        audio: { config: aacAudioConfig(), samples: audio.filter(keep) },
      });
    const report = inspectTs(Buffer.concat([segment(1, (s) => s.dts90k < split), segment(2, (s) => s.dts90k >= split)]));
    expect(report.problems).toEqual([]);
    expect(report.pes.get(0x100)!.map((p) => p.dts ?? p.pts)).toEqual(video.map((s) => s.dts90k));
  });
});

describe('audio PES grouping', () => {
  const video = avcSamples({ count: 50, firstDts90k: 9090, frameDuration90k: 3600, gop: 50, sliceBytes: () => 1000 });

  it('puts consecutive frames together, at most 100 ms per PES, every frame kept', () => {
    for (const sampleRate of [48000, 44100, 22050]) {
      const audio = audioSamples({ count: 60, firstDts90k: 9090, sampleRate, frameSamples: 1024, frameBytes: (i) => 100 + i });
      const report = mux(video, audio, sampleRate);
      const pes = report.pes.get(0x101)!;
      const frames = report.adtsFrames.get(0x101)!;
      expect(frames.map((f) => f.frameLength - 7)).toEqual(audio.map((s) => s.data.length));
      const frameTicks = (1024 * 90000) / sampleRate;
      const expectedPerPes = Math.floor(9000 / frameTicks);
      const perPes = pes.map((_, i) => frames.filter((f) => f.pesIndex === i).length);
      expect(perPes.slice(0, -1).every((n) => n === expectedPerPes)).toBe(true);
      expect(pes[1].pts).toBe(audio[expectedPerPes].pts90k);
    }
  });

  it('starts a new PES at a gap in the audio timeline', () => {
    const audio = audioSamples({ count: 40, firstDts90k: 9090, sampleRate: 48000, frameSamples: 1024, frameBytes: () => 200 }).map((s, i) =>
      i >= 10 ? { ...s, dts90k: s.dts90k + 5000, pts90k: s.pts90k + 5000 } : s,
    );
    const report = mux(video, audio);
    expect(report.problems).toEqual([]);
    const pts = report.pes.get(0x101)!.map((p) => p.pts);
    // without the gap rule frames 8..11 would share a PES; with it, frame 10 opens one
    expect(pts).toContain(audio[8].pts90k);
    expect(pts).toContain(audio[10].pts90k);
  });
});
