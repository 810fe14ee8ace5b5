// Where segments start: at the first true IDR at or after each multiple of the target (video), or the first audio frame.

import type { AudioTrack, VideoTrack } from '../mp4/types.js';
import { IDR_UNKNOWN, NOT_IDR, type IdrMarks } from './types.js';
import { presentationSec } from './timeline.js';

/** Sample times are exact ratios; this absorbs float noise such as 10 * 0.1 !== 1. */
const TIME_EPSILON_SEC = 1e-9;

export interface VideoCuts {
  /** Sample indexes (decode order) that start a segment; always begins with 0. */
  readonly cuts: number[];
  /** Sync samples whose IDR status the walk needed but did not know (assumed IDR meanwhile). */
  readonly unknown: number[];
}

/** The first multiple of the target strictly after `sec` (and never before the first, at 1 × target). */
function nextMultiple(sec: number, targetSec: number): number {
  return targetSec * Math.max(1, Math.floor(sec / targetSec + TIME_EPSILON_SEC) + 1);
}

/**
 * Walks the sync samples in decode order. For each multiple of the target, the segment boundary is
 * the first sync sample at or after it that is an IDR picture (stss alone is not enough: open-GOP
 * recovery points and HEVC CRA pictures are sync samples but not decodable on their own). A long
 * GOP therefore grows the segment, and the next boundary is sought after the next multiple.
 *
 * Unknown samples are assumed to be IDR so that one pass finds every sample the plan may need;
 * the caller classifies them and walks again until nothing is unknown.
 */
export function findVideoCuts(video: VideoTrack, targetSec: number, marks: IdrMarks): VideoCuts {
  const { count, sync } = video.samples;
  const cuts = [0];
  const unknown: number[] = marks[0] === IDR_UNKNOWN ? [0] : [];
  let lastCutSec = presentationSec(video, 0);
  let boundarySec = nextMultiple(lastCutSec, targetSec);
  for (let i = 1; i < count; i++) {
    if (!sync[i]) continue;
    const sec = presentationSec(video, i);
    if (sec < boundarySec - TIME_EPSILON_SEC || sec <= lastCutSec) continue;
    if (marks[i] === NOT_IDR) continue;
    if (marks[i] === IDR_UNKNOWN) unknown.push(i);
    cuts.push(i);
    lastCutSec = sec;
    boundarySec = nextMultiple(sec, targetSec);
  }
  return { cuts, unknown };
}

/** Audio-only renditions: every frame is a sync point, so cut at the first frame at or after each multiple. */
export function findAudioCuts(audio: AudioTrack, targetSec: number): number[] {
  const cuts = [0];
  let lastCutSec = presentationSec(audio, 0);
  let boundarySec = nextMultiple(lastCutSec, targetSec);
  for (let i = 1; i < audio.samples.count; i++) {
    const sec = presentationSec(audio, i);
    if (sec < boundarySec - TIME_EPSILON_SEC || sec <= lastCutSec) continue;
    cuts.push(i);
    lastCutSec = sec;
    boundarySec = nextMultiple(sec, targetSec);
  }
  return cuts;
}
