// Where segments start: at an IDR picture near each multiple of the target, else at the next random access point (video), or the first audio frame.

import type { AudioTrack, VideoTrack } from '../mp4/types.js';
import { IDR, IDR_UNKNOWN, NOT_IDR, RECOVERY, type IdrMarks } from './types.js';
import { presentationSec } from './timeline.js';

/**
 * How far past a boundary, in targets, an IDR is preferred to an earlier CRA or recovery point. Half a
 * target keeps every segment within 1.5 targets whenever random access points come at least every
 * half target, while a closed-GOP source (IDR pictures only) cuts exactly as without the window.
 */
const IDR_WINDOW_TARGETS = 0.5;

/** Sample times are exact ratios; this absorbs float noise such as 10 * 0.1 !== 1. */
const TIME_EPSILON_SEC = 1e-9;

export interface VideoCuts {
  /** Sample indexes (decode order) that start a segment; always begins with 0. */
  readonly cuts: number[];
  /** Sync samples whose kind the walk needed but did not know (assumed IDR meanwhile). */
  readonly unknown: number[];
}

/** The first multiple of the target strictly after `sec` (and never before the first, at 1 × target). */
function nextMultiple(sec: number, targetSec: number): number {
  return targetSec * Math.max(1, Math.floor(sec / targetSec + TIME_EPSILON_SEC) + 1);
}

interface Boundary {
  /** The multiple of the target the cut is sought at, and the end of its IDR window (half a target later). */
  readonly sec: number;
  readonly windowEndSec: number;
  /** Presentation time of the previous cut: a cut must come strictly after it. */
  readonly lastCutSec: number;
}

/** The next cut at or after `boundary`, scanning sync samples from `from`; `unknown` collects what it had to assume. */
function nextCut(video: VideoTrack, marks: IdrMarks, from: number, boundary: Boundary, unknown: number[]): number | undefined {
  const { count, sync } = video.samples;
  let firstRecovery: number | undefined;
  let sawNonIdr = false;
  let assumed: number | undefined;
  for (let i = from; i < count; i++) {
    if (!sync[i]) continue;
    const sec = presentationSec(video, i);
    if (sec < boundary.sec - TIME_EPSILON_SEC || sec <= boundary.lastCutSec) continue;
    const inWindow = sec < boundary.windowEndSec - TIME_EPSILON_SEC;
    const mark = marks[i];
    if (assumed !== undefined) {
      // Gathering the rest of a window whose first candidate was not IDR: one batch instead of one read per pass.
      if (!inWindow) return assumed;
      if (mark === IDR_UNKNOWN) unknown.push(i);
      continue;
    }
    if (!inWindow && firstRecovery !== undefined) return firstRecovery;
    if (mark === IDR || (!inWindow && mark === RECOVERY)) return i;
    if (mark === IDR_UNKNOWN) {
      unknown.push(i);
      if (!inWindow || !sawNonIdr) return i;
      assumed = i;
      continue;
    }
    if (mark !== NOT_IDR) firstRecovery ??= i;
    sawNonIdr = true;
  }
  return assumed ?? firstRecovery;
}

/**
 * Walks the sync samples in decode order. For each multiple B of the target, the segment boundary is
 * the first IDR picture presented in [B, B + target / 2); when that window holds none, it is the first
 * random access point presented at or after B: an IDR, an HEVC CRA or BLA picture, or an H.264 I
 * picture with a recovery point SEI (stss alone is not enough: an encoder may mark other pictures
 * sync). Closed-GOP sources cut exactly as at IDR pictures only; an open-GOP source (one IDR, then
 * CRA or recovery points) cuts at its recovery points instead of becoming one segment. The next
 * boundary is sought after the next multiple.
 *
 * Unknown samples are assumed to be IDR so that one pass finds every sample the plan may need;
 * the caller classifies them and walks again until nothing is unknown.
 */
export function findVideoCuts(video: VideoTrack, targetSec: number, marks: IdrMarks): VideoCuts {
  const cuts = [0];
  const unknown: number[] = marks[0] === IDR_UNKNOWN ? [0] : [];
  let lastCutSec = presentationSec(video, 0);
  for (let cut = nextCutAfter(0); cut !== undefined; cut = nextCutAfter(cut)) {
    cuts.push(cut);
    lastCutSec = presentationSec(video, cut);
  }
  return { cuts, unknown };

  function nextCutAfter(previous: number): number | undefined {
    const sec = nextMultiple(lastCutSec, targetSec);
    return nextCut(video, marks, previous + 1, { sec, windowEndSec: sec + targetSec * IDR_WINDOW_TARGETS, lastCutSec }, unknown);
  }
}

/** True when every cut is an IDR picture, so each segment decodes alone (RFC 8216 §4.3.5.1). */
export function cutsAllIdr(cuts: readonly number[], marks: IdrMarks): boolean {
  return cuts.every((sample) => marks[sample] === IDR);
}

/**
 * Audio-only renditions: every frame is a sync point, so cut at the first frame at or after each multiple
 * of the target on the presentation timeline: a fixed grid, whatever else is packaged with the file. An
 * audio-only file of a rendition set is cut by this grid and not by its set's video: its cached files
 * are the same whether it was first asked for alone or inside a set (or in two sets with different
 * video), so its plan may depend on nothing but the file. The video of a ladder encoded with aligned
 * GOPs that divide the target is cut on the same grid (at the IDR on each multiple), and with one
 * timestamp for time t in every rendition (timelineShift90k) each audio segment starts within one
 * audio frame of the video segment of its number.
 */
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
