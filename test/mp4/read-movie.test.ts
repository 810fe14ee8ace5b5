import { describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { box, bytes, fourcc, fullBox, u32, u64, u8 } from '../helpers/boxes.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { buildMovie, simpleAudio, simpleVideo, type SynthTrack } from '../helpers/mp4-builder.js';
import { findFourCC, patchBox, replaceBox } from '../helpers/mp4-patch.js';

const movieWith = (...tracks: SynthTrack[]) => buildMovie({ tracks });

describe('readMovie', () => {
  it('reads the first video and audio tracks into columnar sample tables', async () => {
    const file = movieWith(simpleVideo({ frames: 50, gop: 25 }), simpleAudio({ frames: 30 }));
    const movie = await readMovie(new MemoryReader(file));
    expect(movie.fileSizeBytes).toBe(file.length);
    const video = movie.video!;
    expect(video.codec).toBe('avc');
    expect(video.codecString).toBe('avc1.64001f');
    expect([video.width, video.height, video.nalLengthSize]).toEqual([320, 240, 4]);
    expect(video.sps).toHaveLength(1);
    expect(video.samples.count).toBe(50);
    expect(Array.from(video.samples.dts.subarray(0, 3))).toEqual([0, 512, 1024]);
    expect(Array.from(video.samples.sync.subarray(0, 26)).reduce((a, b) => a + b, 0)).toBe(2);
    const audio = movie.audio!;
    expect([audio.codec, audio.codecString, audio.sampleRate, audio.channelCount]).toEqual(['aac', 'mp4a.40.2', 48000, 2]);
    expect(audio.samples.count).toBe(30);
  });

  it('places every sample at its bytes in the mdat', async () => {
    const video = simpleVideo({ frames: 10, gop: 5 });
    const audio = simpleAudio({ frames: 9 });
    const file = movieWith(video, audio);
    const movie = await readMovie(new MemoryReader(file));
    for (const [track, synth] of [[movie.video!, video], [movie.audio!, audio]] as const) {
      synth.samples.forEach((sample, i) => {
        const at = track.samples.offsets[i];
        expect(file.subarray(at, at + track.samples.sizes[i])).toEqual(sample.data);
      });
    }
  });

  it('finds a moov at the end of the file without reading the mdat', async () => {
    const file = buildMovie({ tracks: [simpleVideo({ frames: 200, gop: 25 })], moovAtEnd: true });
    const reader = new MemoryReader(file);
    const movie = await readMovie(reader);
    expect(movie.video!.samples.count).toBe(200);
    const mdatPayload = findFourCC(file, 'mdat') + 4;
    const moovStart = findFourCC(file, 'moov') - 4;
    const readsInMdat = reader.reads.filter((read) => read.offset + read.length > mdatPayload + 8 && read.offset < moovStart);
    expect(readsInMdat).toEqual([]);
    expect(reader.reads.length).toBeLessThanOrEqual(4);
  });

  it('steps over a 64-bit mdat to a moov at the end', async () => {
    const file = buildMovie({ tracks: [simpleVideo({ frames: 20, gop: 10 })], moovAtEnd: true });
    const mdatAt = findFourCC(file, 'mdat') - 4;
    const mdatSize = new DataView(file.buffer).getUint32(mdatAt);
    const large = bytes(file.subarray(0, mdatAt), u32(1), fourcc('mdat'), u64(mdatSize + 8), file.subarray(mdatAt + 8));
    const reader = new MemoryReader(large);
    expect((await readMovie(reader)).video!.samples.count).toBe(20);
    expect(reader.reads.every((read) => read.length <= 16 || read.offset > mdatAt + mdatSize)).toBe(true);
  });

  it('accepts a last moov whose size field is 0 ("to the end of the file")', async () => {
    const file = buildMovie({ tracks: [simpleVideo({ frames: 20, gop: 10 })], moovAtEnd: true });
    const openEnded = patchBox(file, 'moov', -8, u32(0));
    expect((await readMovie(new MemoryReader(openEnded))).video!.samples.count).toBe(20);
  });

  it('reads composition offsets from ctts version 0 and signed ones from version 1', async () => {
    const base = simpleVideo({ frames: 4, gop: 4 });
    const v0 = { ...base, samples: base.samples.map((s, i) => ({ ...s, cts: [1024, 2560, 0, 512][i] })) };
    const v1 = { ...base, samples: base.samples.map((s, i) => ({ ...s, cts: [-512, 1024, -512, 0][i] })) };
    expect(Array.from((await readMovie(new MemoryReader(movieWith(v0)))).video!.samples.cts)).toEqual([1024, 2560, 0, 512]);
    expect(Array.from((await readMovie(new MemoryReader(movieWith(v1)))).video!.samples.cts)).toEqual([-512, 1024, -512, 0]);
  });

  it('reads stz2 sample sizes packed in 4, 8 and 16 bits', async () => {
    const sizes = [3, 15, 7, 1];
    for (const fieldSize of [4, 8, 16]) {
      const packed =
        fieldSize === 4 ? [0x3f, 0x71] : fieldSize === 8 ? sizes : sizes.flatMap((s) => [0, s]);
      const file = replaceBox(buildMovie({ tracks: [fixedSizeAudio(sizes)], moovAtEnd: true }), 'stsz', fullBox('stz2', 0, 0, [0, 0, 0], u8(fieldSize), u32(4), packed));
      const movie = await readMovie(new MemoryReader(file));
      expect(Array.from(movie.audio!.samples.sizes)).toEqual(sizes);
    }
  });

  it('reads 64-bit chunk offsets from co64', async () => {
    // With the moov at the end, growing it does not move the samples.
    const file = buildMovie({ tracks: [simpleAudio({ frames: 8 })], moovAtEnd: true });
    const withStco = await readMovie(new MemoryReader(file));
    const chunkOffsets = [0, 4].map((i) => withStco.audio!.samples.offsets[i]);
    const co64File = replaceBox(file, 'stco', fullBox('co64', 0, 0, u32(2), chunkOffsets.map(u64)));
    const movie = await readMovie(new MemoryReader(co64File));
    expect(Array.from(movie.audio!.samples.offsets)).toEqual(Array.from(withStco.audio!.samples.offsets));
  });

  it('skips tracks that are neither video nor audio and takes the first of each kind', async () => {
    const text: SynthTrack = { handler: 'text', timescale: 1000, sampleEntry: box('tx3g', new Array(30).fill(0)), samples: [{ duration: 1000, data: bytes([1, 2]) }] };
    const secondAudio = { ...simpleAudio({ frames: 3, timescale: 44100 }) };
    const movie = await readMovie(new MemoryReader(movieWith(text, simpleAudio({ frames: 5 }), secondAudio)));
    expect(movie.video).toBeUndefined();
    expect(movie.audio!.timescale).toBe(48000);
    expect(movie.audio!.samples.count).toBe(5);
  });

  it('leaves out a track without samples and keeps the other', async () => {
    const movie = await readMovie(new MemoryReader(movieWith({ ...simpleVideo({ frames: 1 }), samples: [] }, simpleAudio({ frames: 4 }))));
    expect(movie.video).toBeUndefined();
    expect(movie.audio!.samples.count).toBe(4);
  });
});

function fixedSizeAudio(sizes: number[]): SynthTrack {
  return { ...simpleAudio({ frames: sizes.length }), samplesPerChunk: 1, samples: sizes.map((size) => ({ duration: 1024, data: new Uint8Array(size) })) };
}

describe('the track packaged among several of one kind', () => {
  // Three tracks: video, then audio at 48 kHz (track 2) and at 44.1 kHz (track 3); the builder flags every tkhd 0x3.
  const file = () => buildMovie({ tracks: [simpleVideo({ frames: 10, gop: 5 }), simpleAudio({ frames: 8 }), simpleAudio({ frames: 8, timescale: 44100 })] });
  /** Sets the tkhd flags of the `nth` track (0-based). */
  function withFlags(bytes: Uint8Array, nth: number, flags: number): Uint8Array {
    let at = -1;
    for (let k = 0; k <= nth; k++) at = findFourCC(bytes, 'tkhd', at + 1);
    const copy = bytes.slice();
    copy[at + 7] = flags; // version (1 byte), flags (3 bytes): the low byte
    return copy;
  }

  it('is the first when all are enabled, with a note naming it', async () => {
    const movie = await readMovie(new MemoryReader(file()));
    expect(movie.audio!.id).toBe(2);
    expect(movie.notes).toEqual([expect.stringMatching(/^audio: track 2, of 2 audio tracks \(the first enabled one\); the default; the others are renditions of their own: 3$/)]);
    expect(movie.audioTracks?.map((track) => track.id)).toEqual([2, 3]);
    expect(movie.audioTracks?.[0]).toBe(movie.audio);
  });

  it('is the enabled one when an earlier one is disabled', async () => {
    const movie = await readMovie(new MemoryReader(withFlags(file(), 1, 0x2)));
    expect(movie.audio!.id).toBe(3);
    expect(movie.audio!.timescale).toBe(44100);
    expect(movie.notes?.[0]).toMatch(/^audio: track 3, of 2 audio tracks \(the one marked enabled, ahead of earlier disabled ones\); the default; the others are renditions of their own: 2 \(disabled\)$/);
    expect(movie.audioTracks?.map((track) => track.id)).toEqual([2, 3]);
  });

  it('is the first when none is enabled', async () => {
    const movie = await readMovie(new MemoryReader(withFlags(withFlags(file(), 1, 0), 2, 0)));
    expect(movie.audio!.id).toBe(2);
    expect(movie.notes?.[0]).toMatch(/none is enabled, so the first/);
  });

  it('needs no note when there is one track of the kind', async () => {
    const movie = await readMovie(new MemoryReader(buildMovie({ tracks: [simpleVideo({ frames: 10, gop: 5 }), simpleAudio({ frames: 8 })] })));
    expect(movie.notes).toBeUndefined();
  });
});
