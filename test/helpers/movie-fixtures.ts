// Movie objects built directly (no bytes), for planner tests that only need sample tables.

import type { AudioTrack, EditShift, Movie, SampleTable, VideoTrack } from '../../daemon/mp4/types.js';

interface TableOptions {
  readonly durations: readonly number[];
  readonly cts?: readonly number[];
  readonly sync?: readonly boolean[];
  readonly sizeBytes?: number;
}

export function sampleTable(options: TableOptions): SampleTable {
  const count = options.durations.length;
  const dts = new Float64Array(count);
  for (let i = 1; i < count; i++) dts[i] = dts[i - 1] + options.durations[i - 1];
  const sizes = new Uint32Array(count).fill(options.sizeBytes ?? 100);
  const offsets = new Float64Array(count);
  for (let i = 1; i < count; i++) offsets[i] = offsets[i - 1] + sizes[i - 1];
  return {
    count,
    offsets,
    sizes,
    dts,
    cts: Int32Array.from(options.cts ?? new Array(count).fill(0)),
    durations: Uint32Array.from(options.durations),
    sync: Uint8Array.from((options.sync ?? new Array(count).fill(true)).map((s) => (s ? 1 : 0))),
  };
}

const NO_EDIT: EditShift = { emptyDelayTicks: 0, mediaStartTicks: 0 };

export interface VideoFixtureOptions {
  readonly frames: number;
  readonly timescale?: number;
  readonly frameDuration?: number | ((i: number) => number);
  /** Sync sample every `gop` frames. */
  readonly gop: number;
  readonly cts?: (i: number) => number;
  readonly edit?: EditShift;
}

export function videoTrack(options: VideoFixtureOptions): VideoTrack {
  const duration = options.frameDuration ?? 512;
  const durations = Array.from({ length: options.frames }, (_, i) => (typeof duration === 'function' ? duration(i) : duration));
  return {
    kind: 'video',
    id: 1,
    timescale: options.timescale ?? 12800,
    durationTicks: durations.reduce((a, b) => a + b, 0),
    edit: options.edit ?? NO_EDIT,
    samples: sampleTable({ durations, sync: durations.map((_, i) => i % options.gop === 0), cts: options.cts ? durations.map((_, i) => options.cts!(i)) : undefined }),
    codecString: 'avc1.64001f',
    codec: 'avc',
    width: 320,
    height: 240,
    nalLengthSize: 4,
    vps: [],
    sps: [],
    pps: [],
  };
}

export function audioTrack(options: { frames: number; timescale?: number; frameDuration?: number; edit?: EditShift }): AudioTrack {
  const durations = new Array(options.frames).fill(options.frameDuration ?? 1024);
  return {
    kind: 'audio',
    id: 2,
    timescale: options.timescale ?? 48000,
    durationTicks: durations.reduce((a, b) => a + b, 0),
    edit: options.edit ?? NO_EDIT,
    samples: sampleTable({ durations, sizeBytes: 20 }),
    codecString: 'mp4a.40.2',
    codec: 'aac',
    sampleRate: options.timescale ?? 48000,
    channelCount: 2,
  };
}

export function movieOf(tracks: { video?: VideoTrack; audio?: AudioTrack }): Movie {
  return { timescale: 1000, durationTicks: 0, fileSizeBytes: 1 << 30, ...tracks };
}
