// Fragmented MP4 read from hand-built files: every optional trun field and tfhd default, both trun versions, each way of basing data offsets.

import { describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../../daemon/source-limits.js';
import type { SampleTable } from '../../daemon/mp4/types.js';
import { box, bytes, fourcc, fullBox, u32, u64 } from '../helpers/boxes.js';
import { failureOf } from '../helpers/expect-code.js';
import { buildFragmented, evenFragments, type FragmentedMovie } from '../helpers/fragment-builder.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { simpleAudio, simpleVideo, type SynthTrack } from '../helpers/mp4-builder.js';
import { findFourCC } from '../helpers/mp4-patch.js';

const read = (file: Uint8Array, limits: SourceLimits = DEFAULT_SOURCE_LIMITS) => readMovie(new MemoryReader(file), { limits, segmentDurationSec: 2 });

/** 48 frames in closed GOPs of 12, with B-frame-like composition offsets (1024 on every other frame). */
const video = (cts: (i: number) => number = (i) => (i % 2) * 1024): SynthTrack => {
  const track = simpleVideo({ frames: 48, gop: 12 });
  return { ...track, samples: track.samples.map((s, i) => ({ ...s, cts: cts(i) })) };
};
const audio = () => simpleAudio({ frames: 60 });
/** One GOP of video and 15 audio frames per fragment, both trafs in one moof. */
const both = (): FragmentedMovie => {
  const tracks = [video(), audio()];
  return { tracks, fragments: evenFragments(tracks, [12, 15]) };
};
const ALL_FIELDS = { duration: true, size: true, flags: true, compositionOffset: true };

/** The table read from the file must describe exactly the built track: its bytes, times, offsets and sync samples. */
function expectSamples(file: Uint8Array, table: SampleTable | undefined, track: SynthTrack, options: { cts?: boolean } = {}): void {
  expect(table?.count).toBe(track.samples.length);
  let dts = 0;
  track.samples.forEach((sample, i) => {
    expect(file.subarray(table!.offsets[i], table!.offsets[i] + table!.sizes[i]), `sample ${i} bytes`).toEqual(sample.data);
    expect(table!.dts[i], `sample ${i} dts`).toBe(dts);
    expect(table!.durations[i]).toBe(sample.duration);
    expect(table!.cts[i], `sample ${i} cts`).toBe(options.cts === false ? 0 : (sample.cts ?? 0));
    expect(table!.sync[i], `sample ${i} sync`).toBe(sample.sync === false ? 0 : 1);
    dts += sample.duration;
  });
}

async function expectBoth(movie: FragmentedMovie, options: { cts?: boolean } = {}): Promise<void> {
  const file = buildFragmented(movie);
  const read1 = await read(file);
  expectSamples(file, read1.video?.samples, movie.tracks[0], options);
  expectSamples(file, read1.audio?.samples, movie.tracks[1]);
}

describe('a fragmented MP4', () => {
  it('gives every sample of two tracks sharing each moof, with every per-sample trun field (version 0) and explicit base offsets', async () => {
    await expectBoth({ ...both(), fields: ALL_FIELDS, base: 'explicit' });
  });

  it('reads signed composition offsets from trun version 1', async () => {
    const tracks = [video((i) => (i % 3) * 512 - 512), audio()];
    const file = buildFragmented({ tracks, fragments: evenFragments(tracks, [12, 15]), fields: ALL_FIELDS, trunVersion: 1 });
    const movie = await read(file);
    expectSamples(file, movie.video?.samples, tracks[0]);
    expect(Math.min(...movie.video!.samples.cts)).toBe(-512);
  });

  it('takes sizes, durations and flags left out of trun from tfhd, and the first sample flags from trun', async () => {
    const tracks = [video()];
    const movie: FragmentedMovie = { tracks, fragments: evenFragments(tracks, [12]), fields: { compositionOffset: true, firstSampleFlags: true }, defaultsIn: 'tfhd' };
    const file = buildFragmented(movie);
    expectSamples(file, (await read(file)).video?.samples, tracks[0]);
  });

  it('takes the defaults from trex when tfhd gives none', async () => {
    const tracks = [audio()];
    const file = buildFragmented({ tracks, fragments: evenFragments(tracks, [20]), fields: {}, defaultsIn: 'trex' });
    expectSamples(file, (await read(file)).audio?.samples, tracks[0]);
  });

  it('counts data offsets from the moof with default-base-is-moof', async () => {
    await expectBoth({ ...both(), fields: ALL_FIELDS, base: 'moof' });
  });

  it('places a traf without a base after the previous traf of its moof, and a run without data_offset after the previous run', async () => {
    await expectBoth({ ...both(), fields: ALL_FIELDS, base: 'implicit', runsPerTraf: 3 });
  });

  it('reads several truns per traf, each with its own data_offset', async () => {
    await expectBoth({ ...both(), fields: ALL_FIELDS, runsPerTraf: 4 });
  });

  it('reads one track per moof, alternating', async () => {
    const tracks = [video(), audio()];
    const fragments = evenFragments(tracks, [12, 15]).flatMap((trafs) => trafs.map((traf) => [traf]));
    await expectBoth({ tracks, fragments, fields: ALL_FIELDS });
  });

  it('skips a sidx between the moov and the first moof', async () => {
    await expectBoth({ ...both(), fields: ALL_FIELDS, sidx: true });
  });

  it('continues the samples of a non-empty moov with those of the fragments', async () => {
    const tracks = [video(), audio()];
    await expectBoth({ tracks, fragments: evenFragments(tracks, [12, 15], 12).filter((f) => f.length > 0), fields: ALL_FIELDS, moovSamples: 12 });
  });

  it('reads a moov with mvex but no fragment from its sample tables', async () => {
    const tracks = [video(), audio()];
    await expectBoth({ tracks, fragments: [], moovSamples: 60 });
  });

  it('times fragments without tfdt from the sum of the durations before them', async () => {
    await expectBoth({ ...both(), fields: ALL_FIELDS, tfdt: false });
  });

  it('reads a recording cut short up to the last sample whose bytes are all in the file', async () => {
    const file = buildFragmented({ ...both(), fields: ALL_FIELDS });
    const inMdat = await read(file.subarray(0, file.length - 10)); // the last audio frame loses 10 of its 21 bytes
    expect([inMdat.video?.samples.count, inMdat.audio?.samples.count]).toEqual([48, 59]);
    let lastMoof = findFourCC(file, 'moof');
    for (let next = lastMoof; next >= 0; next = file.indexOf(0x6d, next + 1)) if (String.fromCharCode(...file.subarray(next, next + 4)) === 'moof') lastMoof = next;
    const inMoof = await read(file.subarray(0, lastMoof + 20)); // the file ends inside the last moof
    expect([inMoof.video?.samples.count, inMoof.audio?.samples.count]).toEqual([36, 45]);
  });

  it('reads the fragment headers and never the media data', async () => {
    const file = buildFragmented({ ...both(), fields: ALL_FIELDS });
    const reader = new MemoryReader(file);
    await readMovie(reader);
    const payloads: Array<[number, number]> = [];
    for (let at = 0; at < file.length; ) {
      const size = new DataView(file.buffer, file.byteOffset).getUint32(at);
      if (String.fromCharCode(...file.subarray(at + 4, at + 8)) === 'mdat') payloads.push([at + 8, at + size]);
      at += size;
    }
    expect(payloads.length).toBe(5);
    // A 16-byte header probe may see 8 bytes past an mdat's 8-byte header, no more.
    for (const [start, end] of payloads) {
      const seen = reader.reads.reduce((sum, r) => sum + Math.max(0, Math.min(end, r.offset + r.length) - Math.max(start, r.offset)), 0);
      expect(seen).toBeLessThanOrEqual(8);
    }
  });
});

describe('a fragmented MP4 that cannot be read', () => {
  const code = async (file: Uint8Array, limits?: SourceLimits) => (await failureOf(read(file, limits))).code;

  it('is refused with MP4_FRAGMENTED when a fragment uses a sample description other than the first', async () => {
    const err = await failureOf(read(buildFragmented({ ...both(), fields: ALL_FIELDS, descriptionIndex: 2 })));
    expect(err.code).toBe('MP4_FRAGMENTED');
    expect(err.message).toMatch(/sample description 2/);
  });

  it('is refused with MP4_FRAGMENTED when a moof comes before the moov', async () => {
    const file = bytes(box('ftyp', fourcc('iso6'), u32(0)), box('moof', fullBox('mfhd', 0, 0, u32(1))), box('mdat', [1, 2, 3]));
    const err = await failureOf(read(file));
    expect(err.code).toBe('MP4_FRAGMENTED');
    expect(err.message).toMatch(/before any moov/);
  });

  it('is refused with MP4_TABLE_MISMATCH when a tfdt goes back in time', async () => {
    const file = buildFragmented({ ...both(), fields: ALL_FIELDS });
    const secondMoofVideo = findFourCC(file, 'tfdt', findFourCC(file, 'tfdt', findFourCC(file, 'tfdt') + 1) + 1);
    file.set(u64(0), secondMoofVideo + 8); // baseMediaDecodeTime (version 1)
    expect(await code(file)).toBe('MP4_TABLE_MISMATCH');
  });

  it('is refused with MP4_TRUNCATED when a base_data_offset puts samples past the end of the file', async () => {
    const file = buildFragmented({ ...both(), fields: ALL_FIELDS });
    file.set(u64(file.length - 4), findFourCC(file, 'tfhd') + 12); // base_data_offset after track_ID
    expect(await code(file)).toBe('MP4_TRUNCATED');
  });

  it('is refused with MP4_BAD_BOX when a traf names a track without trex', async () => {
    const file = buildFragmented({ ...both(), fields: ALL_FIELDS });
    const tfhd = findFourCC(file, 'tfhd');
    file.set(u32(9), tfhd + 8); // track_ID after type, version and flags
    expect(await code(file)).toBe('MP4_BAD_BOX');
  });

  it('is refused with MP4_LIMIT, before any column grows, when a trun without sizes declares more samples than the file has bytes', async () => {
    const tracks = [audio()];
    const file = buildFragmented({ tracks, fragments: evenFragments(tracks, [60]), fields: {}, defaultsIn: 'trex' });
    file.set(u32(2_000_000), findFourCC(file, 'trun') + 8); // sample_count, each of the default 21 bytes
    const err = await failureOf(read(file));
    expect(err.code).toBe('MP4_LIMIT');
    expect(err.message).toContain('2000000 samples of 21 bytes need more bytes than the file holds');
  });

  it('is refused with MP4_LIMIT when the fragments hold more samples than max_samples', async () => {
    const err = await failureOf(read(buildFragmented({ ...both(), fields: ALL_FIELDS }), { ...DEFAULT_SOURCE_LIMITS, maxSamples: 100 }));
    expect(err.code).toBe('MP4_LIMIT');
    expect(err.message).toContain('exceed limits.max_samples = 100');
  });

  it('is refused with MP4_LIMIT when top-level boxes after the moov, counted with the samples, exceed max_samples', async () => {
    const file = bytes(buildFragmented({ ...both(), fields: ALL_FIELDS }), Array.from({ length: 200 }, () => box('free')));
    const limits = { ...DEFAULT_SOURCE_LIMITS, maxSamples: 300 };
    await expect(read(file.subarray(0, file.length - 200 * 8), limits)).resolves.toBeDefined(); // 108 samples and 8 boxes
    const err = await failureOf(read(file, limits));
    expect(err.code).toBe('MP4_LIMIT');
    expect(err.message).toContain("samples and top-level boxes in the fragments exceed limits.max_samples = 300");
  });

  it('is refused with MP4_LIMIT when the moofs together exceed max_moov_bytes', async () => {
    const err = await failureOf(read(buildFragmented({ ...both(), fields: ALL_FIELDS }), { ...DEFAULT_SOURCE_LIMITS, maxMoovBytes: 2000 }));
    expect(err.code).toBe('MP4_LIMIT');
    expect(err.message).toContain('limits.max_moov_bytes');
  });

  it('is refused with MP4_LIMIT when a fragmented track has more samples per second than allowed', async () => {
    const tracks = [{ ...audio(), samples: audio().samples.map((s) => ({ ...s, duration: 1 })) }];
    const file = buildFragmented({ tracks, fragments: evenFragments(tracks, [20]), fields: ALL_FIELDS });
    const err = await failureOf(read(file, { ...DEFAULT_SOURCE_LIMITS, maxSamplesPerSecond: 50 }));
    expect(err.code).toBe('MP4_LIMIT');
    expect(err.message).toContain('limits.max_samples_per_second');
    expect(err.message).toContain('moof/traf (track 1): 60 samples');
  });

  it('is refused with MP4_LIMIT when two fragments point at the same bytes', async () => {
    const file = buildFragmented({ ...both(), fields: ALL_FIELDS, base: 'explicit' });
    const first = findFourCC(file, 'tfhd');
    const second = findFourCC(file, 'tfhd', first + 1); // the audio traf of the first moof
    file.set(file.subarray(first + 12, first + 20), second + 12); // its base_data_offset := the video traf's
    const err = await failureOf(read(file));
    expect(err.code).toBe('MP4_LIMIT');
    expect(err.message).toMatch(/overlap/);
  });
});
