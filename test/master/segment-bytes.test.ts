import { describe, expect, it } from 'vitest';
import { bitrates } from '../../daemon/master/bitrate.js';
import { iframeEntries } from '../../daemon/master/iframe-entries.js';
import { findKeyframeRanges } from '../../daemon/master/iframe-ranges.js';
import { segmentSizeBytes, type SegmentSpan } from '../../daemon/master/segment-bytes.js';
import { variantFacts } from '../../daemon/master/variant.js';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { Track } from '../../daemon/mp4/types.js';
import { presentationSec } from '../../daemon/plan/timeline.js';
import { muxInputOf, syntheticRendition, type SyntheticRendition } from '../helpers/synthetic-movie.js';
import { inspectTs } from '../helpers/ts-inspector.js';

/** Pseudo-random but repeatable sizes, so packet boundaries fall everywhere. */
const wobble = (base: number, spread: number) => (i: number) => base + ((i * 7919) % spread);

function samplesIn(track: Track | undefined, fromSec: number, toSec: number) {
  if (!track) return undefined;
  let first = -1;
  let last = -1;
  for (let i = 0; i < track.samples.count; i++) {
    const t = presentationSec(track, i);
    if (t >= fromSec - 1e-9 && t < toSec - 1e-9) {
      if (first < 0) first = i;
      last = i;
    }
  }
  return first < 0 ? undefined : { firstSample: first, lastSample: last };
}

/** Spans of `segmentSec` by presentation time (video cut where the GOPs allow it in these fixtures). */
function spans(rendition: SyntheticRendition, segmentSec: number, count: number): SegmentSpan[] {
  const { video, audio } = rendition.movie;
  return Array.from({ length: count }, (_, k) => {
    const span = { durationSec: segmentSec, video: samplesIn(video, k * segmentSec, (k + 1) * segmentSec), audio: samplesIn(audio, k * segmentSec, (k + 1) * segmentSec) };
    return Object.fromEntries(Object.entries(span).filter(([, v]) => v !== undefined)) as unknown as SegmentSpan;
  });
}

function expectExact(rendition: SyntheticRendition, segmentSec: number, count: number) {
  spans(rendition, segmentSec, count).forEach((span, k) => {
    const muxed = muxSegment(muxInputOf(rendition, k + 1, span));
    expect(segmentSizeBytes(rendition.movie, span), `segment ${k + 1}`).toBe(muxed.length);
  });
}

describe('segment size model', () => {
  it('predicts the muxed size to the byte for H.264 with B-frames and AAC', () => {
    const rendition = syntheticRendition({
      video: { frames: 150, timescale: 12800, frameDuration: 512, gop: 25, sliceBytes: wobble(400, 9000), cts: (i) => ((i % 3) + 1) * 512 },
      audio: { frames: 282, sampleRate: 48000, frameBytes: wobble(180, 300) },
    });
    expectExact(rendition, 2, 3);
  });

  it('predicts the muxed size of audio-only renditions, where the PCR rides on audio', () => {
    const rendition = syntheticRendition({ audio: { frames: 216, sampleRate: 44100, frameBytes: wobble(90, 500) } });
    expectExact(rendition, 2, 2);
  });

  it('predicts the muxed size of video-only renditions without composition offsets', () => {
    const rendition = syntheticRendition({ video: { frames: 120, timescale: 90000, frameDuration: 3000, gop: 30, sliceBytes: wobble(50, 20000) } });
    expectExact(rendition, 1, 4);
  });

  it('counts the PCR-only packets a slow picture rate needs (4 fps: 250 ms between PCRs on video)', () => {
    const rendition = syntheticRendition({
      video: { frames: 16, timescale: 1000, frameDuration: 250, gop: 4, sliceBytes: wobble(3000, 4000) },
      audio: { frames: 187, sampleRate: 48000, frameBytes: wobble(200, 100) },
    });
    expectExact(rendition, 1, 4);
    const span = spans(rendition, 1, 1)[0];
    const pcrOnly = inspectTs(muxSegment(muxInputOf(rendition, 1, span))).pcrs.filter((p) => p.adaptationOnly).length;
    expect(pcrOnly).toBeGreaterThan(0);
  });

  it('counts the PCR-only packet sent when audio decodes before the first picture', () => {
    const rendition = syntheticRendition({
      video: { frames: 50, timescale: 12800, frameDuration: 512, gop: 25, sliceBytes: wobble(1000, 3000), cts: () => 1024 },
      audio: { frames: 94, sampleRate: 48000, frameBytes: wobble(300, 50), startTicks: 0 },
    });
    // Shift the video later than the audio by giving every picture a start offset in the edit.
    const video = rendition.movie.video!;
    const shifted = { ...rendition, movie: { ...rendition.movie, video: { ...video, edit: { emptyDelayTicks: 1280, mediaStartTicks: 0 } } } };
    expectExact(shifted, 2, 1);
    const inspection = inspectTs(muxSegment(muxInputOf(shifted, 1, spans(shifted, 2, 1)[0])));
    expect(inspection.pcrs[0]).toMatchObject({ packetIndex: 2, adaptationOnly: true });
  });

  it('predicts the size of a segment where only audio remains, the clock still declared on video', () => {
    const rendition = syntheticRendition({
      video: { frames: 50, timescale: 25, frameDuration: 1, gop: 25, sliceBytes: wobble(900, 900) },
      audio: { frames: 141, sampleRate: 48000, frameBytes: wobble(250, 60) },
    });
    const [, tail] = spans(rendition, 2, 2);
    expect(tail.video).toBeUndefined();
    expectExact(rendition, 2, 2);
  });

  it('stays exact with 2-byte NAL length prefixes (one NAL unit per sample)', () => {
    const rendition = syntheticRendition({
      video: { frames: 50, timescale: 25, frameDuration: 1, gop: 10, sliceBytes: wobble(100, 2000), nalLengthSize: 2 },
      audio: { frames: 94, sampleRate: 48000, frameBytes: wobble(150, 70) },
    });
    expectExact(rendition, 2, 1);
  });

  it('gives the master the I-frame bandwidth of the I-frame playlist read back from the written segments', () => {
    // Audio that decodes before each picture, PCR-only packets and continuity padding all land in the ranges.
    const rendition = syntheticRendition({
      video: { frames: 150, timescale: 12800, frameDuration: 512, gop: 25, sliceBytes: wobble(400, 9000), cts: (i) => ((i % 3) + 1) * 512 },
      audio: { frames: 282, sampleRate: 48000, frameBytes: wobble(180, 300), startTicks: 0 },
    });
    const video = rendition.movie.video!;
    const shifted = { ...rendition, movie: { ...rendition.movie, video: { ...video, edit: { emptyDelayTicks: 1280, mediaStartTicks: 0 } } } };
    const segments = spans(shifted, 2, 3);
    const written = segments.map((span, k) => ({ segmentNumber: k + 1, ranges: findKeyframeRanges(muxSegment(muxInputOf(shifted, k + 1, span))) }));
    const entries = iframeEntries(written, segments.reduce((sum, s) => sum + s.durationSec, 0));
    expect(entries).toHaveLength(6);
    const measured = bitrates(entries.map((e) => ({ sizeBytes: e.lengthBytes, durationSec: e.durationSec })));
    const { iframe } = variantFacts(shifted.movie, segments);
    expect(iframe).toMatchObject({ bandwidthBps: measured.peakBps, averageBandwidthBps: measured.averageBps });
  });
});
