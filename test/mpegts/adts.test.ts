// AAC frames get ADTS headers built from the AudioSpecificConfig, with HE-AAC signalled as its AAC-LC core.

import { describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxAudioConfig } from '../../daemon/mpegts/types.js';
import { inspectTs, type AdtsFrame } from '../helpers/ts-inspector.js';
import { aacLcConfig, audioSamples } from '../helpers/synthetic-media.js';

/** Packs [width, value] fields MSB first, padding the last byte with zeros. */
function bits(fields: [number, number][]): Uint8Array {
  const all = fields.map(([w, v]) => v.toString(2).padStart(w, '0')).join('');
  const padded = all.padEnd(Math.ceil(all.length / 8) * 8, '0');
  return Uint8Array.from(padded.match(/.{8}/g)!, (b) => parseInt(b, 2));
}

function adtsOf(audioSpecificConfig: Uint8Array, frameBytes = (i: number) => 100 + i): AdtsFrame[] {
  const config: MuxAudioConfig = { codec: 'aac', sampleRate: 48000, channelCount: 2, audioSpecificConfig };
  const samples = audioSamples({ count: 20, firstDts90k: 9090, sampleRate: 48000, frameSamples: 1024, frameBytes });
  const report = inspectTs(muxSegment({ segmentNumber: 1, audio: { config, samples } }));
  expect(report.problems).toEqual([]);
  return report.adtsFrames.get(0x101)!;
}

describe('ADTS headers', () => {
  it('repeat profile, rate and channels of AAC-LC with each frame length', () => {
    const frames = adtsOf(aacLcConfig(4, 2)); // 44.1 kHz stereo
    expect(frames).toHaveLength(20);
    frames.forEach((frame, i) => {
      expect(frame).toMatchObject({
        mpegVersionId: 0,
        protectionAbsent: true,
        profile: 1,
        samplingFrequencyIndex: 4,
        channelConfiguration: 2,
        frameLength: 7 + 100 + i,
        bufferFullness: 0x7ff,
        rawBlocks: 0,
      });
    });
  });

  it('signal explicit HE-AAC (object type 5) as AAC-LC at the core rate', () => {
    // AOT 5, core 24 kHz (index 6), stereo, SBR output 48 kHz (index 3), core AOT 2
    const asc = bits([[5, 5], [4, 6], [4, 2], [4, 3], [5, 2], [3, 0]]);
    expect(adtsOf(asc)[0]).toMatchObject({ profile: 1, samplingFrequencyIndex: 6, channelConfiguration: 2 });
  });

  it('signal HE-AAC v2 (object type 29) as mono AAC-LC at the core rate', () => {
    const asc = bits([[5, 29], [4, 7], [4, 1], [4, 4], [5, 2], [3, 0]]); // core 22.05 kHz mono, output 44.1 kHz
    expect(adtsOf(asc)[0]).toMatchObject({ profile: 1, samplingFrequencyIndex: 7, channelConfiguration: 1 });
  });

  it('keep implicit HE-AAC (AAC-LC config with an SBR sync extension) as it is', () => {
    const asc = bits([[5, 2], [4, 6], [4, 2], [3, 0], [11, 0x2b7], [5, 5], [1, 1], [4, 3]]);
    expect(adtsOf(asc)[0]).toMatchObject({ profile: 1, samplingFrequencyIndex: 6, channelConfiguration: 2 });
  });

  it('map an explicit 48000 Hz frequency and an escaped object type back to ADTS fields', () => {
    const explicit = bits([[5, 2], [4, 15], [24, 48000], [4, 1], [3, 0]]);
    expect(adtsOf(explicit)[0]).toMatchObject({ profile: 1, samplingFrequencyIndex: 3, channelConfiguration: 1 });
  });

  it('refuse configs ADTS cannot express, with a 422 code', () => {
    const refuse = (asc: Uint8Array | undefined, code: string) =>
      expect(() => adtsOf(asc as Uint8Array)).toThrow(expect.objectContaining({ code, status: 422 }));
    refuse(undefined, 'MP4_BAD_CODEC_CONFIG');
    refuse(Uint8Array.of(0x12), 'MP4_BAD_CODEC_CONFIG');
    refuse(bits([[5, 31], [6, 10], [4, 3], [4, 2]]), 'MP4_UNSUPPORTED_CODEC'); // object type 42 (USAC)
    refuse(aacLcConfig(3, 0), 'MP4_UNSUPPORTED_CODEC'); // channels from a program_config_element
    refuse(bits([[5, 2], [4, 15], [24, 47000], [4, 2]]), 'MP4_UNSUPPORTED_CODEC');
  });

  it('refuse a raw frame too long for the 13-bit frame length', () => {
    expect(() => adtsOf(aacLcConfig(3, 2), () => 8185)).toThrow(expect.objectContaining({ code: 'MP4_BAD_SAMPLE' }));
    expect(adtsOf(aacLcConfig(3, 2), () => 8184)[0].frameLength).toBe(8191);
  });
});
