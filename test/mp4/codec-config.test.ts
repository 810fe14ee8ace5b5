import { describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { parseAudioSpecificConfig } from '../../daemon/mp4/audio-specific-config.js';
import { box, bytes, u16, u8 } from '../helpers/boxes.js';
import { failureOf } from '../helpers/expect-code.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { asc, audioEntry, avcC, buildMovie, esds, hvcC, simpleAudio, simpleVideo, visualEntry, type SynthTrack } from '../helpers/mp4-builder.js';

async function videoOf(entry: Uint8Array) {
  return (await readMovie(new MemoryReader(buildMovie({ tracks: [{ ...simpleVideo({ frames: 2 }), sampleEntry: entry }] })))).video!;
}

async function audioOf(entry: Uint8Array) {
  const track: SynthTrack = { ...simpleAudio({ frames: 2 }), sampleEntry: entry };
  return (await readMovie(new MemoryReader(buildMovie({ tracks: [track] })))).audio!;
}

describe('video codec configuration', () => {
  it('derives avc1.PPCCLL from avcC profile, constraint flags and level', async () => {
    const video = await videoOf(visualEntry('avc1', 640, 360, avcC({ profile: 0x42, compat: 0xe0, level: 0x1e })));
    expect(video.codecString).toBe('avc1.42e01e');
    expect([video.width, video.height]).toEqual([640, 360]);
  });

  it('reads avc3 like avc1 and names it avc1 for TS', async () => {
    expect((await videoOf(visualEntry('avc3', 320, 240, avcC()))).codecString).toBe('avc1.64001f');
  });

  it('reads a 2-byte NAL length size from avcC', async () => {
    expect((await videoOf(visualEntry('avc1', 320, 240, avcC({ lengthSizeMinusOne: 1 })))).nalLengthSize).toBe(2);
  });

  it('derives hvc1.1.6.L93.B0 for HEVC Main from hvcC and keeps VPS, SPS and PPS', async () => {
    const video = await videoOf(visualEntry('hvc1', 320, 240, hvcC()));
    expect(video.codec).toBe('hevc');
    expect(video.codecString).toBe('hvc1.1.6.L93.B0');
    expect([video.vps.length, video.sps.length, video.pps.length]).toEqual([1, 1, 1]);
    expect((video.sps[0][0] >> 1) & 0x3f).toBe(33);
  });

  it('refuses an hvcC whose arrays hold thousands of NAL units', async () => {
    const manyPps = box('hvcC', hvcC().subarray(8, 8 + 22), u8(1), u8(0x80 | 34), u16(5000), new Array(5000).fill([0, 1, 0x44]).flat());
    expect((await failureOf(videoOf(visualEntry('hvc1', 320, 240, manyPps)))).code).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('writes profile space, high tier and several constraint bytes in the HEVC string', async () => {
    const config = hvcC({ profileByte: (1 << 6) | (1 << 5) | 2, compatFlags: 0x20000000, constraint: [0x90, 0x00, 0x08, 0, 0, 0], level: 153 });
    expect((await videoOf(visualEntry('hev1', 320, 240, config))).codecString).toBe('hvc1.A2.4.H153.90.0.8');
  });
});

describe('audio codec configuration', () => {
  it('reads AAC-LC mono at 44.1 kHz from the AudioSpecificConfig', async () => {
    const audio = await audioOf(audioEntry('mp4a', 1, 44100, [esds(0x40, asc(2, 4, 1))]));
    expect([audio.codec, audio.codecString, audio.sampleRate, audio.channelCount]).toEqual(['aac', 'mp4a.40.2', 44100, 1]);
    expect(Array.from(audio.audioSpecificConfig!)).toEqual(Array.from(asc(2, 4, 1)));
  });

  it('signals HE-AAC as mp4a.40.5 and exposes the core AAC-LC rate', () => {
    // AOT 5, core rate index 6 (24 kHz), stereo, extension index 3 (48 kHz), core AOT 2.
    const heAac = bytes([0x2b, 0x11, 0x88, 0x00]);
    expect(parseAudioSpecificConfig(heAac)).toEqual({ audioObjectType: 5, coreObjectType: 2, sampleRate: 24000, channelConfiguration: 2 });
  });

  it('carries an HE-AAC AudioSpecificConfig through to the track', async () => {
    const audio = await audioOf(audioEntry('mp4a', 2, 48000, [esds(0x40, bytes([0x2b, 0x11, 0x88, 0x00]))]));
    expect([audio.codecString, audio.sampleRate]).toEqual(['mp4a.40.5', 24000]);
  });

  it('reads an explicit 24-bit sampling frequency', () => {
    // AOT 2, index 15, frequency 0x00bb80 = 48000, channel configuration 2
    const explicit = bytes([0x17, 0x80, 0x5d, 0xc0, 0x10]);
    expect(parseAudioSpecificConfig(explicit)).toMatchObject({ audioObjectType: 2, sampleRate: 48000, channelConfiguration: 2 });
  });

  it.each([0x6b, 0x69])('recognises MP3 by objectTypeIndication 0x%s', async (oti) => {
    const audio = await audioOf(audioEntry('mp4a', 2, 44100, [esds(oti)]));
    expect([audio.codec, audio.codecString, audio.sampleRate, audio.channelCount]).toEqual(['mp3', 'mp4a.40.34', 44100, 2]);
  });

  it('reads esds nested in a QuickTime wave box of a version 1 sound description', async () => {
    const entry = audioEntry('mp4a', 2, 48000, [box('wave', box('frma', [0x6d, 0x70, 0x34, 0x61]), esds(0x40, asc(2, 3, 2)))], 1);
    expect((await audioOf(entry)).codecString).toBe('mp4a.40.2');
  });

  it('reads AC-3 channels and rate from dac3 (5.1 at 48 kHz)', async () => {
    // fscod 0, bsid 8, bsmod 0, acmod 7, lfeon 1, bit_rate_code 14
    const dac3 = box('dac3', [0x10, 0x3d, 0xc0]);
    const audio = await audioOf(audioEntry('ac-3', 2, 48000, [dac3]));
    expect([audio.codec, audio.codecString, audio.sampleRate, audio.channelCount]).toEqual(['ac3', 'ac-3', 48000, 6]);
  });

  it('reads E-AC-3 channels and rate from dec3 (stereo at 44.1 kHz)', async () => {
    // data_rate 192, num_ind_sub 0; fscod 1, bsid 16, reserved, asvc 0, bsmod 0, acmod 2, lfeon 0, reserved, num_dep_sub 0
    const dec3 = box('dec3', [0x06, 0x00, 0x60, 0x04, 0x00]);
    const audio = await audioOf(audioEntry('ec-3', 2, 44100, [dec3]));
    expect([audio.codec, audio.codecString, audio.sampleRate, audio.channelCount]).toEqual(['eac3', 'ec-3', 44100, 2]);
  });
});
