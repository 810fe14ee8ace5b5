// One track of a rendition as a rendition of its own: its video alone, or one audio track, on the rendition's segment plan (pure).
//
// Every selection keeps the rendition's segment numbers, boundaries and timeline shift, so segment N
// of audio track k covers the instants of segment N of the video and their timestamps line up.

import { audioIndexOf, type CmafTrack } from '../layout/cmaf-files.js';
import type { TsTrack } from '../layout/track-files.js';
import { audioTracksOf, type AudioTrack, type Movie } from '../mp4/types.js';
import { assignByTime, rangeBytes } from './segment-plan.js';
import type { PlannedSegment, SegmentPlan } from './types.js';

export interface Selected {
  readonly movie: Movie;
  readonly plan: SegmentPlan;
}

/** Selections made once per plan: an audio track's assignment walks all its frames. */
const made = new WeakMap<SegmentPlan, Map<string, Selected | undefined>>();

function videoAlone(movie: Movie, plan: SegmentPlan): Selected | undefined {
  const video = movie.video;
  if (!video) return undefined;
  const segments = plan.segments.map(({ audio: _audio, ...segment }): PlannedSegment => ({ ...segment, sampleBytes: rangeBytes(video, segment.video) }));
  return { movie: { ...movie, audio: undefined, audioTracks: undefined }, plan: { ...plan, segments } };
}

/**
 * Audio track `k` alone. The rendition's own lead track keeps its ranges; any other track's frames go
 * to the segment whose time range holds them, as the planner assigns audio beside video.
 */
function audioAlone(movie: Movie, plan: SegmentPlan, k: number): Selected | undefined {
  const track: AudioTrack | undefined = audioTracksOf(movie)[k - 1];
  if (!track || plan.segments.length === 0) return undefined;
  const isLead = !movie.video && track.id === movie.audio?.id;
  const last = plan.segments[plan.segments.length - 1];
  const boundariesSec = [...plan.segments.map((s) => s.startSec), last.startSec + last.durationSec];
  const ranges = isLead ? plan.segments.map((s) => s.audio) : assignByTime(track, boundariesSec);
  const segments = plan.segments.map(({ video: _video, audio: _audio, ...segment }, index): PlannedSegment => {
    const audio = ranges[index];
    return { ...segment, ...(audio ? { audio } : {}), sampleBytes: rangeBytes(track, audio) };
  });
  return { movie: { ...movie, video: undefined, audio: track, audioTracks: undefined }, plan: { ...plan, segments, independentSegments: true } };
}

/** The rendition seen as the selected track alone; undefined when it has no such track. */
export function selectTrack(movie: Movie, plan: SegmentPlan, track: TsTrack): Selected | undefined {
  const key = track.type === 'video' ? 'v' : `a${track.k}`;
  let byKey = made.get(plan);
  if (!byKey) made.set(plan, (byKey = new Map()));
  if (!byKey.has(key)) byKey.set(key, track.type === 'video' ? videoAlone(movie, plan) : audioAlone(movie, plan, track.k));
  return byKey.get(key);
}

/** A CMAF track name (`video`, `audio`, `audio<k>`) → the rendition's view holding it as its video or its audio. */
export function selectCmafTrack(movie: Movie, plan: SegmentPlan, track: CmafTrack): (Selected & { readonly kind: 'video' | 'audio' }) | undefined {
  const k = audioIndexOf(track);
  if (k === undefined) return { movie, plan, kind: track === 'video' ? 'video' : 'audio' };
  const selected = selectTrack(movie, plan, { type: 'audio', k });
  return selected ? { ...selected, kind: 'audio' } : undefined;
}
