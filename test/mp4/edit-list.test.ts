import { describe, expect, it } from 'vitest';
import { readMovie } from '../../daemon/mp4/read-movie.js';
import { reduceEditList } from '../../daemon/mp4/edit-list.js';
import { MemoryReader } from '../helpers/memory-reader.js';
import { buildMovie, simpleVideo } from '../helpers/mp4-builder.js';

async function editOf(edits: { segmentDuration: number; mediaTime: number }[], editVersion: 0 | 1 = 0) {
  const track = { ...simpleVideo({ frames: 10, gop: 5, timescale: 12800 }), edits, editVersion };
  return (await readMovie(new MemoryReader(buildMovie({ tracks: [track], movieTimescale: 1000 })))).video!.edit;
}

describe('edit lists', () => {
  it('take the first media edit media_time as the start of the presentation (v0)', async () => {
    expect(await editOf([{ segmentDuration: 400, mediaTime: 1024 }])).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 1024 });
  });

  it('read media_time as signed 64-bit in v1, where -1 is an empty edit', async () => {
    const edit = await editOf([{ segmentDuration: 250, mediaTime: -1 }, { segmentDuration: 400, mediaTime: 2048 }], 1);
    // 250 ms of the movie timescale = 3200 ticks of the 12800 Hz track
    expect(edit).toEqual({ emptyDelayTicks: 3200, mediaStartTicks: 2048 });
  });

  it('sum several leading empty edits into one delay', async () => {
    expect(await editOf([{ segmentDuration: 100, mediaTime: -1 }, { segmentDuration: 150, mediaTime: -1 }, { segmentDuration: 400, mediaTime: 0 }])).toEqual({
      emptyDelayTicks: 3200,
      mediaStartTicks: 0,
    });
  });

  it('ignore media edits after the first', async () => {
    expect(await editOf([{ segmentDuration: 100, mediaTime: 512 }, { segmentDuration: 100, mediaTime: 4096 }])).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 512 });
  });

  it('leave the media unshifted without an edit list', async () => {
    const track = simpleVideo({ frames: 3 });
    expect((await readMovie(new MemoryReader(buildMovie({ tracks: [track] })))).video!.edit).toEqual({ emptyDelayTicks: 0, mediaStartTicks: 0 });
  });

  it('convert the empty delay between timescales with rounding', () => {
    expect(reduceEditList([{ segmentDuration: 1, mediaTime: -1, mediaRateInteger: 1 }], 3, 44100)).toEqual({ emptyDelayTicks: 14700, mediaStartTicks: 0 });
  });
});
