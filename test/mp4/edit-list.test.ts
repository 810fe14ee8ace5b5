import { describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { reduceEditList } from '../../daemon/mp4/edit-list.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { buildMovie, simpleAudio, simpleVideo } from '../helpers/mp4-builder.js';

async function editOf(edits: { segmentDuration: number; mediaTime: number }[], editVersion: 0 | 1 = 0) {
  const track = { ...simpleVideo({ frames: 10, gop: 5, timescale: 12800 }), edits, editVersion };
  return (await readMovie(new MemoryReader(buildMovie({ tracks: [track], movieTimescale: 1000 })))).video!.edit;
}

describe('edit lists', () => {
  it('take the first media edit media_time as the start of the presentation (v0)', async () => {
    expect(await editOf([{ segmentDuration: 400, mediaTime: 1024 }])).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 1024, mediaDurationTicks: 5120 });
  });

  it('read media_time as signed 64-bit in v1, where -1 is an empty edit', async () => {
    const edit = await editOf([{ segmentDuration: 250, mediaTime: -1 }, { segmentDuration: 400, mediaTime: 2048 }], 1);
    // 250 ms of the movie timescale = 3200 ticks of the 12800 Hz track
    expect(edit).toEqual({ emptyDelayTicks: 3200, mediaStartTicks: 2048, mediaDurationTicks: 5120 });
  });

  it('sum several leading empty edits into one delay', async () => {
    expect(await editOf([{ segmentDuration: 100, mediaTime: -1 }, { segmentDuration: 150, mediaTime: -1 }, { segmentDuration: 400, mediaTime: 0 }])).toEqual({
      emptyDelayTicks: 3200,
      mediaStartTicks: 0,
      mediaDurationTicks: 5120,
    });
  });

  it('apply only the first media edit when a later one jumps elsewhere in the media, and count the ignored ones', async () => {
    expect(await editOf([{ segmentDuration: 100, mediaTime: 512 }, { segmentDuration: 100, mediaTime: 4096 }])).toEqual({
      emptyDelayTicks: 0,
      mediaStartTicks: 512,
      mediaDurationTicks: 1280,
      ignoredEdits: 1,
    });
  });

  it('merge media edits that carry on where the previous one stopped', () => {
    const entries = [
      { segmentDuration: 100, mediaTime: 512, mediaRateInteger: 1 },
      { segmentDuration: 150, mediaTime: 512 + 1280, mediaRateInteger: 1 },
    ];
    expect(reduceEditList(entries, 1000, 12800)).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 512, mediaDurationTicks: 3200 });
  });

  it('let the media play to its end when the media edit gives no duration', () => {
    expect(reduceEditList([{ segmentDuration: 0, mediaTime: 1024, mediaRateInteger: 1 }], 1000, 44100)).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 1024 });
  });

  it('leave the media unshifted without an edit list', async () => {
    const track = simpleVideo({ frames: 3 });
    expect((await readMovie(new MemoryReader(buildMovie({ tracks: [track] })))).video!.edit).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 0 });
  });

  it('convert the empty delay between timescales with rounding', () => {
    expect(reduceEditList([{ segmentDuration: 1, mediaTime: -1, mediaRateInteger: 1 }], 3, 44100)).toEqual({ emptyDelayTicks: 14700, mediaStartTicks: 0 });
  });
});

describe('the samples an edit list keeps', () => {
  async function movieWith(video: Parameters<typeof simpleVideo>[0], audioEdits?: { segmentDuration: number; mediaTime: number }[]) {
    const tracks = [simpleVideo(video), ...(audioEdits ? [simpleAudio({ frames: 40, edits: audioEdits })] : [])];
    return readMovie(new MemoryReader(buildMovie({ tracks, movieTimescale: 1000 })));
  }

  it('keep the hidden pre-roll from the last keyframe at or before the edit, and drop the GOPs before it', async () => {
    // 512-tick frames, keyframes every 5: the edit starts at frame 12, so frames 10 and 11 are the pre-roll.
    const movie = await movieWith({ frames: 30, gop: 5, edits: [{ segmentDuration: 0, mediaTime: 12 * 512 }] });
    const { samples } = movie.video!;
    expect(samples.count).toBe(30 - 10);
    expect(samples.dts[0]).toBe(10 * 512);
    expect(samples.sync[0]).toBe(1);
  });

  it('drop the samples presented after the media edit ends', async () => {
    // 400 ms at 1000/s is 5120 ticks of 12800/s: 10 frames from frame 12, so frames 12..21 are presented.
    const movie = await movieWith({ frames: 30, gop: 5, edits: [{ segmentDuration: 400, mediaTime: 12 * 512 }] });
    const { samples } = movie.video!;
    expect(samples.dts[samples.count - 1]).toBe(21 * 512);
  });

  it('pass over an open-GOP keyframe, whose leading pictures predict from the GOP before it', async () => {
    const base = simpleVideo({ frames: 30, gop: 10, edits: [{ segmentDuration: 0, mediaTime: 12 * 512 + 1024 }] });
    // Every picture shown 1024 ticks after its decode, except picture 11, shown before keyframe 10.
    const samples = base.samples.map((sample, i) => ({ ...sample, cts: i === 11 ? 0 : 1024 }));
    const movie = await readMovie(new MemoryReader(buildMovie({ tracks: [{ ...base, samples }], movieTimescale: 1000 })));
    expect(movie.video!.samples.count).toBe(30);
  });

  it('keep every sample without an edit list', async () => {
    expect((await movieWith({ frames: 30, gop: 5 })).video!.samples.count).toBe(30);
  });

  it('keep one audio frame before the one that holds the edit start, for the decoder to overlap', async () => {
    // 1024-tick frames at 48 kHz; the edit starts inside frame 5.
    const movie = await movieWith({ frames: 10, gop: 5 }, [{ segmentDuration: 300, mediaTime: 5 * 1024 + 100 }]);
    expect(movie.audio!.samples.dts[0]).toBe(4 * 1024);
  });
});

describe('audio beside a video pre-roll', () => {
  it('is kept from where the video pre-roll starts, so both streams start together', async () => {
    // Video: 512-tick frames at 12800/s, keyframes every 10; both edits start 12 frames (0.48 s) in.
    const video = simpleVideo({ frames: 30, gop: 10, edits: [{ segmentDuration: 0, mediaTime: 12 * 512 }] });
    const audio = simpleAudio({ frames: 60, edits: [{ segmentDuration: 0, mediaTime: 0.48 * 48000 }] });
    const movie = await readMovie(new MemoryReader(buildMovie({ tracks: [video, audio], movieTimescale: 1000 })));
    // The video keeps frames 10 and 11 (from 0.4 s): audio keeps the frame that holds 0.4 s on.
    expect(movie.video!.samples.dts[0]).toBe(10 * 512);
    expect(movie.audio!.samples.dts[0]).toBe(Math.floor((0.4 * 48000) / 1024) * 1024);
  });
});
