import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../../daemon/source-limits.js';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { planSegments } from '../../daemon/plan/segment-plan.js';
import { IDR, newIdrMarks } from '../../daemon/plan/types.js';
import { box, bytes, fourcc, u32, u64 } from '../helpers/boxes.js';
import { failureOf } from '../helpers/expect-code.js';
import { freeBoxFlood, overlappingSamples, sampleFlood, type HostileFile } from '../helpers/hostile-mp4.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { buildMovie, simpleAudio, simpleVideo, type SynthTrack } from '../helpers/mp4-builder.js';
import { findFourCC } from '../helpers/mp4-patch.js';

const limited = (overrides: Partial<SourceLimits>): SourceLimits => ({ ...DEFAULT_SOURCE_LIMITS, ...overrides });
const read = (file: Uint8Array, options: { limits?: SourceLimits; segmentDurationSec?: number; sizeBytes?: number } = {}) =>
  readMovie(new MemoryReader(file, options.sizeBytes), options);
const readHostile = (file: HostileFile) => read(file.bytes, { sizeBytes: file.sizeBytes });
const good = () => buildMovie({ tracks: [simpleVideo({ frames: 100, gop: 25 }), simpleAudio({ frames: 80 })] });

/** The error must be MP4_LIMIT, a 422, and name the config key. */
async function expectLimit(work: Promise<unknown>, key: string): Promise<string> {
  const err = await failureOf(work);
  expect(err.code).toBe('MP4_LIMIT');
  expect(err.status).toBe(422);
  expect(err.message).toContain(key);
  return err.message;
}

/** A copy of `file` whose stco entry `index` (0-based) of the `nth` stco box is `offset`. */
function setChunkOffset(file: Uint8Array, nth: number, index: number, offset: number): Uint8Array {
  let at = -1;
  for (let n = 0; n <= nth; n++) at = findFourCC(file, 'stco', at + 1);
  const copy = file.slice();
  new DataView(copy.buffer).setUint32(at + 4 + 8 + 4 * index, offset); // after type: version/flags, entry_count
  return copy;
}

function chunkOffset(file: Uint8Array, nth: number, index: number): number {
  let at = -1;
  for (let n = 0; n <= nth; n++) at = findFourCC(file, 'stco', at + 1);
  return new DataView(file.buffer, file.byteOffset).getUint32(at + 4 + 8 + 4 * index);
}

describe('limits.max_moov_bytes', () => {
  it('refuses a moov larger than the default before reading it', async () => {
    const max = DEFAULT_SOURCE_LIMITS.maxMoovBytes;
    const file = bytes(box('ftyp', fourcc('isom'), u32(0)), u32(1), fourcc('moov'), u64(max + 1024));
    const reader = new MemoryReader(file, max + 4096);
    await expectLimit(readMovie(reader), `limits.max_moov_bytes = ${max}`);
    expect(reader.bytesRead).toBeLessThan(1024);
  });

  it('refuses a real moov over a lowered limit and reads it under the default', async () => {
    await expectLimit(read(good(), { limits: limited({ maxMoovBytes: 500 }) }), 'limits.max_moov_bytes = 500');
    expect((await read(good())).video!.samples.count).toBe(100);
  });
});

describe('limits.max_moov_boxes', () => {
  it('refuses a moov flooded with 3,000,000 empty free boxes', async () => {
    await expectLimit(readHostile(freeBoxFlood()), `limits.max_moov_boxes = ${DEFAULT_SOURCE_LIMITS.maxMoovBoxes}`);
  });

  it('counts every box the reader walks, so a lowered limit refuses an ordinary movie', async () => {
    await expectLimit(read(good(), { limits: limited({ maxMoovBoxes: 20 }) }), 'limits.max_moov_boxes = 20');
  });
});

describe('limits.max_samples_per_second', () => {
  it('refuses a track with more samples than seconds allow, before expanding its tables', async () => {
    const crowded = buildMovie({ tracks: [simpleAudio({ frames: 3000, frameDuration: 1 })] });
    const message = await expectLimit(read(crowded), 'limits.max_samples_per_second = 1000');
    expect(message).toMatch(/3000 samples in 0\.063 s of media/);
  });

  it('lets a 240 fps track through under the default', async () => {
    const fast = buildMovie({ tracks: [simpleVideo({ frames: 480, timescale: 24000, frameDuration: 100, gop: 240 })] });
    expect((await read(fast)).video!.samples.count).toBe(480);
  });
});

describe('limits.max_samples', () => {
  it('counts the samples of both tracks together', async () => {
    await expectLimit(read(good(), { limits: limited({ maxSamples: 150 }) }), 'limits.max_samples = 150');
    expect((await read(good(), { limits: limited({ maxSamples: 180 }) })).audio!.samples.count).toBe(80);
  });

  it('refuses 13,000,000 one-byte samples of 10 ms (within every other limit) from the moov alone', async () => {
    const file = sampleFlood(13_000_000, 480);
    const reader = new MemoryReader(file.bytes, file.sizeBytes);
    const message = await expectLimit(readMovie(reader), `limits.max_samples = ${DEFAULT_SOURCE_LIMITS.maxSamples}`);
    expect(message).toContain('13000000 samples');
    expect(reader.bytesRead).toBeLessThan(file.bytes.length + 64);
  });
});

describe('a constant sample size', () => {
  it('may not declare more sample bytes than the file holds', async () => {
    const file = sampleFlood(200_000, 480);
    await expectLimit(read(file.bytes, { sizeBytes: file.bytes.length + 1000 }), 'every sample must have bytes of its own');
    expect((await read(file.bytes, { sizeBytes: file.sizeBytes })).audio!.samples.count).toBe(200_000);
  });
});

describe('limits.max_segments', () => {
  it('refuses the 4,000,000-sample sparse file from its moov alone', async () => {
    const file = sampleFlood();
    const reader = new MemoryReader(file.bytes, file.sizeBytes);
    await expectLimit(readMovie(reader), `limits.max_segments = ${DEFAULT_SOURCE_LIMITS.maxSegments}`);
    expect(reader.bytesRead).toBeLessThan(file.bytes.length + 64);
  });

  it('is checked by the reader against the target duration it is given', async () => {
    const long = buildMovie({ tracks: [simpleAudio({ frames: 100, frameDuration: 48000 * 10 })] }); // 1000 s
    await expectLimit(read(long, { limits: limited({ maxSegments: 50 }), segmentDurationSec: 10 }), 'limits.max_segments = 50');
    expect((await read(long, { limits: limited({ maxSegments: 50 }), segmentDurationSec: 30 })).audio!.samples.count).toBe(100);
  });

  it('is checked exactly by the planner', async () => {
    const movie = await read(good());
    const marks = newIdrMarks(movie.video!.samples.count).fill(IDR);
    expect(planSegments(movie, { segmentDurationSec: 1 }, marks).segments.length).toBe(4);
    await expectLimit(Promise.resolve().then(() => planSegments(movie, { segmentDurationSec: 1, limits: limited({ maxSegments: 3 }) }, marks)), 'limits.max_segments = 3');
  });
});

describe('limits.max_playlist_bytes', () => {
  it('refuses a plan whose media playlist would be larger', async () => {
    const movie = await read(good());
    const marks = newIdrMarks(movie.video!.samples.count).fill(IDR);
    const plan = () => planSegments(movie, { segmentDurationSec: 1, limits: limited({ maxPlaylistBytes: 200 }) }, marks);
    const message = await expectLimit(Promise.resolve().then(plan), 'limits.max_playlist_bytes = 200');
    expect(message).toMatch(/a media playlist of \d+ bytes/);
  });
});

describe('overlapping samples', () => {
  const audioFile = () => buildMovie({ tracks: [simpleAudio({ frames: 20 })] }); // 5 chunks of 4 samples

  it('refuses 20,000 samples of 40,000 bytes that all point at the same bytes of a 120 KB file', async () => {
    const file = overlappingSamples();
    expect(file.sizeBytes).toBeLessThan(130_000);
    await expectLimit(readHostile(file), 'every sample must have bytes of its own');
  });

  it('refuses a chunk that starts inside the previous one', async () => {
    const file = audioFile();
    await expectLimit(read(setChunkOffset(file, 0, 2, chunkOffset(file, 0, 1) + 10)), 'every sample must have bytes of its own');
  });

  it('refuses a video chunk that shares bytes with an audio chunk', async () => {
    const file = buildMovie({ tracks: [simpleVideo({ frames: 10 }), simpleAudio({ frames: 8 })] });
    await expectLimit(read(setChunkOffset(file, 0, 3, chunkOffset(file, 1, 1))), 'every sample must have bytes of its own');
  });

  it('accepts disjoint chunks listed out of file order', async () => {
    const file = audioFile();
    const [first, second] = [chunkOffset(file, 0, 0), chunkOffset(file, 0, 1)];
    const swapped = setChunkOffset(setChunkOffset(file, 0, 0, second), 0, 1, first);
    expect((await read(swapped)).audio!.samples.offsets[0]).toBe(second);
  });

  it('accepts empty samples that share an offset', async () => {
    const track: SynthTrack = { ...simpleAudio({ frames: 4 }), samples: simpleAudio({ frames: 4 }).samples.map((s) => ({ ...s, data: new Uint8Array(0) })) };
    const movie = await read(buildMovie({ tracks: [track, simpleVideo({ frames: 4 })] }));
    expect(movie.video!.samples.count).toBe(4);
  });
});
