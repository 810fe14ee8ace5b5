import { describe, expect, it } from 'vitest';
import { findVideoCuts } from '../../daemon/plan/cuts.js';
import { planSegments } from '../../daemon/plan/segment-plan.js';
import { TIMELINE_LEAD_90K, presentationSec } from '../../daemon/plan/timeline.js';
import { IDR, NOT_IDR, RECOVERY, newIdrMarks, type IdrMarks, type SegmentPlan } from '../../daemon/plan/types.js';
import type { Movie, VideoTrack } from '../../daemon/mp4/types.js';
import { audioTrack, movieOf, videoTrack } from '../helpers/movie-fixtures.js';

/** Marks every sync sample IDR except those listed. */
function marksFor(video: VideoTrack, notIdr: readonly number[] = []): IdrMarks {
  const marks = newIdrMarks(video.samples.count);
  video.samples.sync.forEach((sync, i) => {
    if (sync) marks[i] = notIdr.includes(i) ? NOT_IDR : IDR;
  });
  return marks;
}

function plan(movie: Movie, segmentDurationSec: number, notIdr: readonly number[] = []): SegmentPlan {
  return planSegments(movie, { segmentDurationSec }, movie.video ? marksFor(movie.video, notIdr) : newIdrMarks(0));
}

const starts = (p: SegmentPlan) => p.segments.map((s) => s.video?.firstSample ?? s.audio?.firstSample);
const durations = (p: SegmentPlan) => p.segments.map((s) => Number(s.durationSec.toFixed(6)));

describe('video segment plan', () => {
  // 25 fps (512 ticks at 12800 Hz), a sync sample every second.
  const video = videoTrack({ frames: 250, gop: 25 });

  it('cuts at the first IDR at or after each multiple of the target', () => {
    const p = plan(movieOf({ video }), 2);
    expect(starts(p)).toEqual([0, 50, 100, 150, 200]);
    expect(durations(p)).toEqual([2, 2, 2, 2, 2]);
    expect(p.independentSegments).toBe(true);
  });

  it('does not cut at a sync sample whose first slice is not an IDR', () => {
    // Sample 50 (2 s) is in stss but is an open-GOP recovery point: the cut moves to the next IDR (3 s).
    const p = plan(movieOf({ video }), 2, [50]);
    expect(starts(p)).toEqual([0, 75, 100, 150, 200]);
    expect(durations(p)).toEqual([3, 1, 2, 2, 2]);
  });

  it('grows segments to the GOP when the GOP is longer than the target', () => {
    const longGop = videoTrack({ frames: 25 * 30, gop: 25 * 12 });
    const p = plan(movieOf({ video: longGop }), 4);
    expect(starts(p)).toEqual([0, 300, 600]);
    expect(durations(p)).toEqual([12, 12, 6]);
  });

  it('reports the sync samples it had to assume, and only those near a boundary', () => {
    const marks = newIdrMarks(video.samples.count);
    const { unknown } = findVideoCuts(video, 4, marks);
    expect(unknown).toEqual([0, 100, 200]);
    marks[0] = IDR;
    marks[100] = NOT_IDR;
    marks[200] = IDR;
    // The window's first candidate (4 s) is no IDR: the rest of its window [4 s, 6 s) is asked for.
    expect(findVideoCuts(video, 4, marks).unknown).toEqual([125]);
  });

  it('starts each segment at the presentation time of its IDR, with B-frame delay removed by the edit list', () => {
    // IDRs are shown 2 frames after they are decoded; the edit list's media_time takes that delay out.
    const cts = (i: number) => (i % 25 === 0 ? 1024 : i % 2 ? 1536 : 512);
    const bframes = videoTrack({ frames: 100, gop: 25, cts, edit: { emptyDelayTicks: 0, mediaStartTicks: 1024 } });
    const p = plan(movieOf({ video: bframes }), 1);
    expect(p.segments.map((s) => s.startSec)).toEqual([0, 1, 2, 3]);
    expect(presentationSec(bframes, 25)).toBe(1);
  });

  it('never ends with a zero-duration segment', () => {
    // The last sample is an IDR with a zero stts delta, exactly on a boundary.
    const zeroTail = videoTrack({ frames: 51, gop: 25, frameDuration: (i) => (i === 50 ? 0 : 512) });
    const p = plan(movieOf({ video: zeroTail }), 1);
    expect(starts(p)).toEqual([0, 25]);
    expect(p.segments.every((s) => s.durationSec > 0)).toBe(true);
    expect(p.segments[1].video).toEqual({ firstSample: 25, lastSample: 50 });
  });

  it('is deterministic: the same movie and target give the same plan', () => {
    const movie = movieOf({ video, audio: audioTrack({ frames: 470 }) });
    expect(plan(movie, 3)).toEqual(plan(movie, 3));
  });

  it('sums sample bytes per segment to the total of the file', () => {
    const movie = movieOf({ video, audio: audioTrack({ frames: 470 }) });
    const total = video.samples.sizes.reduce((a, b) => a + b, 0) + movie.audio!.samples.sizes.reduce((a, b) => a + b, 0);
    expect(plan(movie, 3).segments.reduce((sum, s) => sum + s.sampleBytes, 0)).toBe(total);
  });
});

describe('open-GOP sources: random access points that are not IDR', () => {
  /** Sync samples every `gop` frames at 25 fps; those listed are IDR, the other sync samples recovery points. */
  function openGopMarks(video: VideoTrack, idrs: readonly number[]): IdrMarks {
    const marks = newIdrMarks(video.samples.count);
    video.samples.sync.forEach((sync, i) => {
      if (sync) marks[i] = idrs.includes(i) ? IDR : RECOVERY;
    });
    return marks;
  }

  it('cuts at recovery points when the only IDR is the first picture, and says segments are not independent', () => {
    const video = videoTrack({ frames: 250, gop: 25 });
    const p = planSegments(movieOf({ video }), { segmentDurationSec: 2 }, openGopMarks(video, [0]));
    expect(starts(p)).toEqual([0, 50, 100, 150, 200]);
    expect(p.independentSegments).toBe(false);
  });

  it('prefers an IDR presented within half a target after the boundary to an earlier recovery point, and no later one', () => {
    // Target 4 s: boundary 4 s has a recovery point at 4 s and an IDR at 5 s (inside [4 s, 6 s)): the IDR wins.
    // Boundary 8 s (the multiple after 5 s): recovery point at 8 s, IDR at 10 s (outside [8 s, 10 s)): the recovery point.
    const video = videoTrack({ frames: 300, gop: 25 });
    const p = planSegments(movieOf({ video }), { segmentDurationSec: 4 }, openGopMarks(video, [0, 125, 250]));
    expect(starts(p)).toEqual([0, 125, 200]);
    expect(p.independentSegments).toBe(false);
  });

  it('says segments are independent when every cut it chose is an IDR', () => {
    const video = videoTrack({ frames: 250, gop: 25 });
    // Recovery points every second between IDR pictures every 2 s: only the IDR pictures are cut at.
    const p = planSegments(movieOf({ video }), { segmentDurationSec: 2 }, openGopMarks(video, [0, 50, 100, 150, 200]));
    expect(starts(p)).toEqual([0, 50, 100, 150, 200]);
    expect(p.independentSegments).toBe(true);
  });

  it('takes the first recovery point at or after the boundary when the window has no IDR, even past the window', () => {
    // Recovery points every 5 s, target 2: no IDR within [2 s, 4 s), so the next random access point (5 s).
    const video = videoTrack({ frames: 500, gop: 125 });
    const p = planSegments(movieOf({ video }), { segmentDurationSec: 2 }, openGopMarks(video, [0]));
    expect(starts(p)).toEqual([0, 125, 250, 375]);
  });

  it('still skips sync samples that are neither IDR nor a recovery point', () => {
    const video = videoTrack({ frames: 250, gop: 25 });
    const marks = openGopMarks(video, [0]);
    marks[50] = NOT_IDR;
    // 2 s is skipped, so 3 s; the next boundary is the next multiple of the target after it, 4 s.
    expect(starts(planSegments(movieOf({ video }), { segmentDurationSec: 2 }, marks))).toEqual([0, 75, 100, 150, 200]);
  });

  it('asks for a whole window at most twice per boundary, not once per sync sample', () => {
    const video = videoTrack({ frames: 1000, gop: 25 });
    const truth = openGopMarks(video, [0]);
    const marks = newIdrMarks(video.samples.count);
    let passes = 0;
    for (let unknown = findVideoCuts(video, 10, marks).unknown; unknown.length > 0; unknown = findVideoCuts(video, 10, marks).unknown) {
      for (const i of unknown) marks[i] = truth[i];
      passes++;
    }
    expect(passes).toBeLessThanOrEqual(3);
    expect(findVideoCuts(video, 10, marks).cuts).toEqual([0, 250, 500, 750]);
  });
});

describe('audio in a video rendition', () => {
  it('puts every audio frame in exactly one segment, the one whose time range holds it', () => {
    const video = videoTrack({ frames: 250, gop: 25 });
    const audio = audioTrack({ frames: 470, timescale: 48000 });
    const p = plan(movieOf({ video, audio }), 2);
    let expected = 0;
    for (const segment of p.segments) {
      const range = segment.audio!;
      expect(range.firstSample).toBe(expected);
      expected = range.lastSample + 1;
      for (const i of [range.firstSample, range.lastSample]) {
        const sec = presentationSec(audio, i);
        if (segment.number > 1) expect(sec).toBeGreaterThanOrEqual(segment.startSec);
        if (segment.number < p.segments.length) expect(sec).toBeLessThan(segment.startSec + segment.durationSec);
      }
    }
    expect(expected).toBe(470);
  });

  it('moves audio with its empty edit: a 0.5 s delay puts the first frames later', () => {
    const video = videoTrack({ frames: 100, gop: 25 });
    const plain = plan(movieOf({ video, audio: audioTrack({ frames: 150 }) }), 1);
    const delayed = plan(movieOf({ video, audio: audioTrack({ frames: 150, edit: { emptyDelayTicks: 24000, mediaStartTicks: 0 } }) }), 1);
    // Without the delay the second segment starts at frame 47 (1.0027 s); with it, 0.5 s of frames earlier.
    expect(plain.segments[1].audio!.firstSample).toBe(47);
    expect(delayed.segments[1].audio!.firstSample).toBe(24);
  });

  it('leaves audio out of segments that have none, but keeps every video segment', () => {
    const video = videoTrack({ frames: 100, gop: 25 });
    const shortAudio = audioTrack({ frames: 40 });
    const p = plan(movieOf({ video, audio: shortAudio }), 1);
    expect(p.segments).toHaveLength(4);
    expect(p.segments[0].audio).toEqual({ firstSample: 0, lastSample: 39 });
    expect(p.segments.slice(1).every((s) => s.audio === undefined && s.video !== undefined)).toBe(true);
  });
});

describe('audio-only segment plan', () => {
  it('cuts at the first audio frame at or after each multiple of the target', () => {
    const audio = audioTrack({ frames: 460, timescale: 48000, frameDuration: 1024 });
    const p = plan(movieOf({ audio }), 2);
    // 2 s = frame 93.75 → frame 94; 4 s = 187.5 → 188; 6 s → 282; 8 s = 375
    expect(starts(p)).toEqual([0, 94, 188, 282, 375]);
    expect(p.segments.every((s) => s.durationSec > 0 && s.video === undefined)).toBe(true);
    const total = durations(p).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo((460 * 1024) / 48000, 5);
  });
});

describe('timeline shift', () => {
  it('is the constant lead when nothing is negative', () => {
    expect(plan(movieOf({ video: videoTrack({ frames: 50, gop: 25 }) }), 1).shift90k).toBe(TIMELINE_LEAD_90K);
  });

  it('stays the constant lead under a pre-roll that fits in it, so time 0 is the same timestamp in every rendition', () => {
    // A stream-copy cut: the media edit starts 0.5 s (6400 ticks) into the media.
    const cut = videoTrack({ frames: 50, gop: 25, edit: { emptyDelayTicks: 0, mediaStartTicks: 6400 } });
    const p = plan(movieOf({ video: cut }), 1);
    expect(p.shift90k).toBe(TIMELINE_LEAD_90K);
    // The hidden pre-roll stays in segment 1, timed before zero; its EXTINF counts from zero.
    expect(p.segments[0].startSec).toBe(0);
    const last = cut.samples.count - 1;
    const endSec = (cut.samples.dts[last] + cut.samples.cts[last] + cut.samples.durations[last] - 6400) / cut.timescale;
    expect(p.segments.reduce((sum, s) => sum + s.durationSec, 0)).toBeCloseTo(endSec, 9);
  });

  it('grows by whole leads under a pre-roll longer than the lead allows, keeping room for the PCR', () => {
    // 0.95 s of hidden pre-roll (12160 ticks at 12800 Hz): one lead would leave 4500 ticks before the first DTS.
    const cut = videoTrack({ frames: 50, gop: 25, edit: { emptyDelayTicks: 0, mediaStartTicks: 12160 } });
    expect(plan(movieOf({ video: cut }), 1).shift90k).toBe(2 * TIMELINE_LEAD_90K);
  });

  it('ends the presentation where the edit does, even with samples after it', () => {
    const cut = videoTrack({ frames: 50, gop: 25, edit: { emptyDelayTicks: 0, mediaStartTicks: 6400, mediaDurationTicks: 12800 } });
    const p = plan(movieOf({ video: cut }), 1);
    expect(p.segments[0].startSec).toBe(0);
    expect(p.segments.reduce((sum, s) => sum + s.durationSec, 0)).toBeCloseTo(12800 / cut.timescale, 9);
  });

  it('starts the presentation at the earliest track when an empty edit delays the other', () => {
    const video = videoTrack({ frames: 50, gop: 25, edit: { emptyDelayTicks: 6400, mediaStartTicks: 0 } });
    const p = plan(movieOf({ video }), 1);
    expect(p.segments[0].startSec).toBeCloseTo(6400 / video.timescale, 9);
  });
});

describe('where players start (EXT-X-START)', () => {
  it('is not said when no pre-roll is kept, B-frame delay taken out by the edit or not', () => {
    expect(plan(movieOf({ video: videoTrack({ frames: 50, gop: 25 }) }), 1).startOffsetSec).toBeUndefined();
    const cts = (i: number) => (i % 25 === 0 ? 1024 : 512);
    const bframes = videoTrack({ frames: 50, gop: 25, cts, edit: { emptyDelayTicks: 0, mediaStartTicks: 1024 } });
    expect(plan(movieOf({ video: bframes }), 1).startOffsetSec).toBeUndefined();
  });

  it('is the kept pre-roll, up to the first picture at or after an edit that starts inside a picture', () => {
    // media_time 6400 ticks is 12.5 frames of 512: picture 13 (at 6656) is the first shown, 0.52 s after picture 0.
    const cut = videoTrack({ frames: 50, gop: 25, edit: { emptyDelayTicks: 0, mediaStartTicks: 6400 } });
    expect(plan(movieOf({ video: cut }), 1).startOffsetSec).toBeCloseTo(6656 / cut.timescale, 9);
  });

  it('counts from the earliest timestamp of any track: audio kept from before the video pre-roll moves it', () => {
    const cut = videoTrack({ frames: 50, gop: 25, edit: { emptyDelayTicks: 0, mediaStartTicks: 6400 } });
    // Audio at 48 kHz whose edit starts 0.6 s into its media: 0.1 s before the video's pre-roll.
    const audio = audioTrack({ frames: 100, edit: { emptyDelayTicks: 0, mediaStartTicks: 28800 } });
    expect(plan(movieOf({ video: cut, audio }), 1).startOffsetSec).toBeCloseTo(6656 / cut.timescale + 0.1, 6);
  });

  it('is not said when the pre-roll outlasts segment 1, whose playlist time players would look it up in', () => {
    // 0.5 s of pre-roll, then a sync sample every 0.2 s: segment 1 lasts well under 0.5 s at a 0.2 s target.
    const cut = videoTrack({ frames: 50, gop: 5, edit: { emptyDelayTicks: 0, mediaStartTicks: 6400 } });
    const p = plan(movieOf({ video: cut }), 0.2);
    expect(p.segments[0].durationSec).toBeLessThan(0.5);
    expect(p.startOffsetSec).toBeUndefined();
  });
});
