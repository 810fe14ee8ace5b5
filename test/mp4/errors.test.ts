import { describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { box, bytes, fourcc, fullBox, u16, u32, u64, u8 } from '../helpers/boxes.js';
import { failureOf } from '../helpers/expect-code.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { asc, audioEntry, avcC, buildMovie, esds, simpleAudio, simpleVideo, visualEntry, type SynthTrack } from '../helpers/mp4-builder.js';
import { findFourCC, patchBox, replaceBox } from '../helpers/mp4-patch.js';

const read = (file: Uint8Array, sizeBytes?: number) => readMovie(new MemoryReader(file, sizeBytes));
const codeOf = async (file: Uint8Array, sizeBytes?: number) => (await failureOf(read(file, sizeBytes))).code;
const good = () => buildMovie({ tracks: [simpleVideo({ frames: 30, gop: 10 }), simpleAudio({ frames: 20 })] });
const goodAtEnd = () => buildMovie({ tracks: [simpleVideo({ frames: 30, gop: 10 }), simpleAudio({ frames: 20 })], moovAtEnd: true });
const withEntry = (entry: Uint8Array, handler = 'vide'): Uint8Array =>
  buildMovie({ tracks: [{ ...(handler === 'vide' ? simpleVideo({ frames: 4 }) : simpleAudio({ frames: 4 })), sampleEntry: entry } as SynthTrack] });

describe('MP4_EMPTY', () => {
  it('is the answer for a zero-byte file', async () => {
    expect(await codeOf(new Uint8Array(0))).toBe('MP4_EMPTY');
  });

  it('is the answer for a movie whose tracks have no samples', async () => {
    const empty = { ...simpleVideo({ frames: 1 }), samples: [] };
    expect(await codeOf(buildMovie({ tracks: [empty] }))).toBe('MP4_EMPTY');
  });
});

describe('MP4_NO_MOOV', () => {
  it('is the answer for random bytes', async () => {
    let seed = 7;
    const garbage = Uint8Array.from({ length: 4096 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff);
    expect(await codeOf(garbage)).toBe('MP4_NO_MOOV');
  });

  it('is the answer for a text file', async () => {
    expect(await codeOf(new TextEncoder().encode('hello, this is not a movie at all\n'.repeat(20)))).toBe('MP4_NO_MOOV');
  });

  it('is the answer for an ftyp and mdat with no moov', async () => {
    const file = bytes(box('ftyp', fourcc('isom'), u32(0)), box('mdat', new Array(100).fill(1)));
    const err = await failureOf(read(file));
    expect(err.code).toBe('MP4_NO_MOOV');
    expect(err.status).toBe(422);
  });
});

describe('MP4_TRUNCATED', () => {
  it('is the answer when a moov-at-end file is cut inside the mdat', async () => {
    const file = goodAtEnd();
    expect(await codeOf(file.subarray(0, findFourCC(file, 'mdat') + 100))).toBe('MP4_TRUNCATED');
  });

  it('is the answer when a faststart file is cut so that samples lie past the end', async () => {
    const file = good();
    expect(await codeOf(file.subarray(0, file.length - 30))).toBe('MP4_TRUNCATED');
  });

  it('is the answer when the file ends inside the moov', async () => {
    const file = good();
    expect(await codeOf(file.subarray(0, findFourCC(file, 'moov') + 200))).toBe('MP4_TRUNCATED');
  });
});

describe('MP4_BAD_BOX', () => {
  it('is the answer when a trak claims more bytes than its moov holds', async () => {
    expect(await codeOf(patchBox(good(), 'trak', -8, u32(0x00ffffff)))).toBe('MP4_BAD_BOX');
  });

  it('is the answer when stts declares more entries than fit in the box', async () => {
    expect(await codeOf(patchBox(good(), 'stts', 4, u32(1000)))).toBe('MP4_BAD_BOX');
  });

  it('is the answer when a required box (stbl) is missing', async () => {
    const file = goodAtEnd();
    expect(await codeOf(patchBox(file, 'stbl', -4, fourcc('xxxx')))).toBe('MP4_BAD_BOX');
  });

  it('is the answer when mdhd has a timescale of 0', async () => {
    expect(await codeOf(patchBox(good(), 'mdhd', 12, u32(0)))).toBe('MP4_BAD_BOX');
  });
});

describe('MP4_OVERFLOW', () => {
  it('is the answer for a constant-size stsz claiming 2^31 samples', async () => {
    const file = replaceBox(goodAtEnd(), 'stsz', fullBox('stsz', 0, 0, u32(100), u32(0x80000000)));
    expect(await codeOf(file)).toBe('MP4_OVERFLOW');
  });

  it('is the answer for a co64 chunk offset beyond 2^53', async () => {
    const file = replaceBox(buildMovie({ tracks: [simpleAudio({ frames: 4 })], moovAtEnd: true }), 'stco', fullBox('co64', 0, 0, u32(1), [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    expect(await codeOf(file)).toBe('MP4_OVERFLOW');
  });
});

describe('MP4_TABLE_MISMATCH', () => {
  it('is the answer when stts describes more samples than stsz', async () => {
    // simpleVideo writes one stts entry: sample_count lives 8 bytes into the stts payload.
    expect(await codeOf(patchBox(good(), 'stts', 8, u32(31)))).toBe('MP4_TABLE_MISMATCH');
  });

  it('is the answer when ctts covers fewer samples than stsz', async () => {
    const base = simpleVideo({ frames: 6, gop: 6 });
    const withCtts = { ...base, samples: base.samples.map((s, i) => ({ ...s, cts: i === 5 ? 0 : 512 })) };
    expect(await codeOf(patchBox(buildMovie({ tracks: [withCtts] }), 'ctts', 8, u32(4)))).toBe('MP4_TABLE_MISMATCH');
  });

  it('is the answer when stss names a sample past the last one', async () => {
    expect(await codeOf(patchBox(good(), 'stss', 8, u32(99)))).toBe('MP4_TABLE_MISMATCH');
  });

  it('is the answer when stsc places more samples than stsz has', async () => {
    expect(await codeOf(patchBox(good(), 'stsc', 12, u32(2)))).toBe('MP4_TABLE_MISMATCH');
  });
});

describe('MP4_FRAGMENTED', () => {
  it('is the answer for a moof before any moov (fragmented files are read when the moov comes first)', async () => {
    const file = bytes(box('ftyp', fourcc('iso6'), u32(0)), box('moof', fullBox('mfhd', 0, 0, u32(1))), box('mdat', [1, 2, 3]));
    expect(await codeOf(file)).toBe('MP4_FRAGMENTED');
  });
});

describe('MP4_NO_TRACKS', () => {
  it('is the answer for a movie with only a text track', async () => {
    const text: SynthTrack = { handler: 'text', timescale: 1000, sampleEntry: box('tx3g', new Array(30).fill(0)), samples: [{ duration: 1000, data: bytes([1]) }] };
    expect(await codeOf(buildMovie({ tracks: [text] }))).toBe('MP4_NO_TRACKS');
  });
});

describe('MP4_UNSUPPORTED_CODEC', () => {
  it.each([
    ['vp09', 'vide'],
    ['av01', 'vide'],
    ['mp4v', 'vide'],
  ])('names the video codec %s', async (type, handler) => {
    const err = await failureOf(read(withEntry(visualEntry(type, 320, 240, box('vpcC', [1, 0, 0, 0])), handler)));
    expect(err.code).toBe('MP4_UNSUPPORTED_CODEC');
    expect(err.message).toContain(`'${type}'`);
  });

  it('names the audio codec Opus', async () => {
    const err = await failureOf(read(withEntry(audioEntry('Opus', 2, 48000, [box('dOps', [0, 2, 0, 0])]), 'soun')));
    expect(err.code).toBe('MP4_UNSUPPORTED_CODEC');
    expect(err.message).toContain("'Opus'");
  });

  it('refuses AAC object types that ADTS cannot signal (AAC-ELD)', async () => {
    // AOT 39 is written with the escape: 31, then 39 - 32 = 7 in 6 bits, then frequency index 3, channels 2.
    const eld = bytes([0xf8, 0xe0, 0xc8, 0x00]);
    const err = await failureOf(read(withEntry(audioEntry('mp4a', 2, 48000, [esds(0x40, eld)]), 'soun')));
    expect(err.code).toBe('MP4_UNSUPPORTED_CODEC');
    expect(err.message).toContain('mp4a.40.39');
  });

  it('refuses an mp4a whose objectTypeIndication is not MPEG audio', async () => {
    const err = await failureOf(read(withEntry(audioEntry('mp4a', 2, 48000, [esds(0xa5)]), 'soun')));
    expect(err.code).toBe('MP4_UNSUPPORTED_CODEC');
  });
});

describe('MP4_BAD_CODEC_CONFIG', () => {
  it('is the answer for avc1 without avcC', async () => {
    expect(await codeOf(withEntry(visualEntry('avc1', 320, 240)))).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('is the answer for an avcC with an unknown configurationVersion', async () => {
    expect(await codeOf(withEntry(visualEntry('avc1', 320, 240, avcC({ version: 0 }))))).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('is the answer for an avcC whose parameter set runs past the box', async () => {
    const cut = box('avcC', u8(1), u8(0x64), u8(0), u8(0x1f), u8(0xff), u8(0xe1), u16(200), [0x67, 1, 2]);
    expect(await codeOf(withEntry(visualEntry('avc1', 320, 240, cut)))).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('is the answer for a NAL length size of 3 bytes', async () => {
    expect(await codeOf(withEntry(visualEntry('avc1', 320, 240, avcC({ lengthSizeMinusOne: 2 }))))).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('is the answer for AAC without an AudioSpecificConfig', async () => {
    expect(await codeOf(withEntry(audioEntry('mp4a', 2, 48000, [esds(0x40)]), 'soun'))).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('is the answer for an AudioSpecificConfig with a reserved sampling frequency index', async () => {
    expect(await codeOf(withEntry(audioEntry('mp4a', 2, 48000, [esds(0x40, asc(2, 13, 2))]), 'soun'))).toBe('MP4_BAD_CODEC_CONFIG');
  });

  it('is the answer for a dac3 with the reserved fscod', async () => {
    expect(await codeOf(withEntry(audioEntry('ac-3', 2, 48000, [box('dac3', [0xc0, 0x00, 0x00])]), 'soun'))).toBe('MP4_BAD_CODEC_CONFIG');
  });
});
