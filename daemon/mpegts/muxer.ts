// One HLS segment as MPEG-TS: the units of each track laid out (layout.ts), then written (segment-writer.ts); pure: samples in, bytes out.

import { CasterpakError } from '../errors.js';
import { audioUnits } from './audio-units.js';
import { layoutSegment, type LayoutTrack, type SegmentLayout } from './layout.js';
import { expectedEndDts90k } from './sample-timing.js';
import { writeSegment, type OutputAllocator, type PayloadWriter } from './segment-writer.js';
import { describeAudio, describeVideo } from './streams.js';
import type { MuxSample, MuxSegmentInput } from './types.js';
import { videoUnits } from './video-units.js';

export type { OutputAllocator } from './segment-writer.js';

/**
 * A fresh buffer without zero-filling: the writer covers every byte of every packet (headers,
 * adaptation stuffing, payload, PSI filler) and checks it ended exactly at the end, so nothing
 * of the previous contents can show through; zero-filling ~10 MB per segment was measurable.
 */
const freshOutput: OutputAllocator = (bytes) => new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes);

/** Muxes one segment into a buffer from `allocate` (callers that write the result out at once may reuse one). */
export function muxSegment(input: MuxSegmentInput, allocate: OutputAllocator = freshOutput): Uint8Array {
  const { layout, writers } = prepareSegment(input);
  return writeSegment(layout, writers, allocate);
}

/** The layout `muxSegment` writes for `input`, without writing it (video sized from the sample bytes). */
export function muxLayout(input: MuxSegmentInput): SegmentLayout {
  return prepareSegment(input).layout;
}

/** Sizes every unit (the only step that reads sample bytes: NAL units of video), lays the segment out, and keeps the payload writers. */
function prepareSegment(input: MuxSegmentInput): { layout: SegmentLayout; writers: Map<number, PayloadWriter> } {
  assertDecodeOrder(input.video?.samples ?? [], 'video');
  assertDecodeOrder(input.audio?.samples ?? [], 'audio');
  const writers = new Map<number, PayloadWriter>();
  let video: LayoutTrack | undefined;
  let audio: LayoutTrack | undefined;
  if (input.video) {
    const stream = describeVideo(input.video.config);
    const { track, write } = videoUnits(stream, input.video.config, input.video.samples);
    video = track;
    writers.set(stream.pid, write);
  }
  if (input.audio) {
    const stream = describeAudio(input.audio.config);
    const { track, write } = audioUnits(stream, input.audio.config, input.audio.samples);
    audio = track;
    writers.set(stream.pid, write);
  }
  if ((video?.units.length ?? 0) + (audio?.units.length ?? 0) === 0) {
    throw new CasterpakError('PACKAGER_FAILED', 'a segment needs at least one sample', { segmentNumber: input.segmentNumber });
  }
  const endDts90k = Math.max(expectedEndDts90k(input.video?.samples ?? []), expectedEndDts90k(input.audio?.samples ?? []));
  return { layout: layoutSegment({ segmentNumber: input.segmentNumber, video, audio, endDts90k }), writers };
}

/** Interleaving and the PCR schedule rely on each track's samples coming in decode order. */
function assertDecodeOrder(samples: readonly MuxSample[], track: string): void {
  for (let i = 1; i < samples.length; i++) {
    if (samples[i].dts90k < samples[i - 1].dts90k) {
      throw new CasterpakError('PACKAGER_FAILED', 'muxer input is not in decode order', { track, index: i, dts90k: samples[i].dts90k });
    }
  }
}
