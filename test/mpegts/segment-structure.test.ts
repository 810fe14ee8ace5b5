// A segment starts with a correct PAT and PMT and lists each codec with its stream type, PID and stream id.

import { describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxAudioConfig, MuxSegmentInput } from '../../daemon/mpegts/types.js';
import { inspectTs } from '../helpers/ts-inspector.js';
import { aacAudioConfig, audioSamples, avcConfig, avcSamples } from '../helpers/synthetic-media.js';

const FIRST_DTS = 9090;

function avInput(audioConfig: MuxAudioConfig = aacAudioConfig()): MuxSegmentInput {
  return {
    segmentNumber: 1,
    video: {
      config: avcConfig(),
      samples: avcSamples({ count: 50, firstDts90k: FIRST_DTS, frameDuration90k: 3600, gop: 25, sliceBytes: (i) => 300 + 37 * i }),
    },
    audio: {
      config: audioConfig,
      samples: audioSamples({ count: 90, firstDts90k: FIRST_DTS, sampleRate: audioConfig.sampleRate, frameSamples: 1024, frameBytes: (i) => 200 + (i % 7) }),
    },
  };
}

describe('segment structure', () => {
  it('starts with a PAT then a PMT whose CRCs verify', () => {
    const report = inspectTs(muxSegment(avInput()));
    expect(report.problems).toEqual([]);
    expect(report.pids.slice(0, 2)).toEqual([0x0000, 0x1000]);
    expect(report.pat).toEqual({ transportStreamId: 1, programs: [{ programNumber: 1, pmtPid: 0x1000 }], crcOk: true });
    expect(report.pmt?.crcOk).toBe(true);
    expect(report.pmt?.programNumber).toBe(1);
  });

  it('lists H.264 on PID 0x100 and ADTS AAC on PID 0x101, with the PCR on the video PID', () => {
    const report = inspectTs(muxSegment(avInput()));
    expect(report.pmt?.pcrPid).toBe(0x100);
    expect(report.pmt?.streams.map((s) => [s.streamType, s.pid, s.descriptors.length])).toEqual([
      [0x1b, 0x100, 0],
      [0x0f, 0x101, 0],
    ]);
    expect(report.pes.get(0x100)?.every((p) => p.streamId === 0xe0)).toBe(true);
    expect(report.pes.get(0x101)?.every((p) => p.streamId === 0xc0)).toBe(true);
    expect(report.pcrs.every((p) => p.pid === 0x100)).toBe(true);
  });

  it('carries AC-3 and E-AC-3 as private_stream_1 with stream types 0x81 and 0x87 and their registration descriptors', () => {
    for (const [codec, streamType, formatIdentifier] of [
      ['ac3', 0x81, 'AC-3'],
      ['eac3', 0x87, 'EAC3'],
    ] as const) {
      const report = inspectTs(muxSegment(avInput({ codec, sampleRate: 48000, channelCount: 2 })));
      expect(report.problems).toEqual([]);
      const audio = report.pmt?.streams[1];
      expect(audio?.streamType).toBe(streamType);
      expect(audio?.descriptors.map((d) => [d.tag, Buffer.from(d.body).toString('latin1')])).toEqual([[0x05, formatIdentifier]]);
      expect(report.pes.get(0x101)?.every((p) => p.streamId === 0xbd)).toBe(true);
    }
  });

  it('gives MP3 stream type 0x03 at MPEG-1 sampling rates and 0x04 below 32 kHz', () => {
    const typeAt = (sampleRate: number) =>
      inspectTs(muxSegment(avInput({ codec: 'mp3', sampleRate, channelCount: 2 }))).pmt?.streams[1].streamType;
    expect([typeAt(48000), typeAt(44100), typeAt(32000), typeAt(24000), typeAt(22050), typeAt(16000)]).toEqual([3, 3, 3, 4, 4, 4]);
  });

  it('puts the PCR on the audio PID when the rendition has no video', () => {
    const { audio } = avInput();
    const report = inspectTs(muxSegment({ segmentNumber: 4, audio }));
    expect(report.problems).toEqual([]);
    expect(report.pmt?.pcrPid).toBe(0x101);
    expect(report.pmt?.streams.map((s) => s.pid)).toEqual([0x101]);
    expect(report.pcrs.length).toBeGreaterThan(0);
  });

  it('lists HEVC with stream type 0x24', () => {
    const input = avInput();
    const video = { config: { ...input.video!.config, codec: 'hevc' as const }, samples: [] };
    const report = inspectTs(muxSegment({ ...input, video }));
    expect(report.pmt?.streams[0].streamType).toBe(0x24);
  });

  it('refuses a segment without any sample', () => {
    expect(() => muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: [] } })).toThrow(
      expect.objectContaining({ code: 'PACKAGER_FAILED' }),
    );
  });

  it('refuses samples out of decode order and NAL length sizes outside 1 to 4 bytes', () => {
    const input = avInput();
    const swapped = [...input.video!.samples];
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    expect(() => muxSegment({ ...input, video: { ...input.video!, samples: swapped } })).toThrow(expect.objectContaining({ code: 'PACKAGER_FAILED' }));
    for (const nalLengthSize of [0, 5]) {
      const video = { config: { ...avcConfig(), nalLengthSize }, samples: input.video!.samples };
      expect(() => muxSegment({ ...input, video })).toThrow(expect.objectContaining({ code: 'MP4_BAD_CODEC_CONFIG' }));
    }
  });
});
