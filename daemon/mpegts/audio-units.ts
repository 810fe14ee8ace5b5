// Audio frames to PES units: consecutive frames grouped per PES (from sizes and times alone), AAC frames given ADTS headers.

import { mp4Error } from '../errors.js';
import type { AudioCodec } from '../mp4/types.js';
import { ADTS_HEADER_BYTES, adtsConfigOf, adtsTemplate, writeAdtsHeader } from './adts.js';
import type { LayoutTrack, SizedUnit } from './layout.js';
import { maxBoundedPesPayload } from './pes.js';
import { nominalStep90k } from './sample-timing.js';
import type { PayloadWriter } from './segment-writer.js';
import type { StreamDescription } from './streams.js';
import type { MuxAudioConfig, MuxSample } from './types.js';

/**
 * Frames per PES are bounded by duration: players expect a few frames per PES (one frame per PES
 * wastes a packet per frame), and with audio-only renditions the PCR rides on these PES, which must
 * come at least every 100 ms. The bound counts the last frame's own duration.
 */
export const AUDIO_PES_MAX_DURATION_90K = 9_000;
/** Only the first frame of a PES has a PTS; the others are timed by frame duration, so a gap ends the PES. */
const AUDIO_GAP_TOLERANCE_90K = 2;

/**
 * What grouping needs of a segment's audio frames, column by column (index k is the segment's k-th
 * frame): typed arrays, so a model of every segment of a long rendition makes no object per frame.
 */
export interface AudioFrames {
  readonly dts90k: Float64Array;
  readonly pts90k: Float64Array;
  /** Raw frame sizes, without the ADTS header. */
  readonly sizeBytes: Uint32Array;
}

/** Frames [first, first + count) of the track, sent as one PES. */
export interface AudioPes extends SizedUnit {
  readonly first: number;
  readonly count: number;
}

/** Bytes each frame gains in the stream: the ADTS header for AAC (ISO/IEC 13818-7 §6.2), nothing for the others. */
export function audioFrameOverhead(codec: AudioCodec): number {
  return codec === 'aac' ? ADTS_HEADER_BYTES : 0;
}

/** Splits the frames into runs that are contiguous in time, at most AUDIO_PES_MAX_DURATION_90K long and length-bounded. */
export function groupAudioFrames(frames: AudioFrames, frameOverhead: number): AudioPes[] {
  const { dts90k, pts90k, sizeBytes } = frames;
  const frameDuration = nominalStep90k(dts90k);
  const maxPayload = maxBoundedPesPayload(false);
  const groups: AudioPes[] = [];
  const close = (first: number, count: number, payloadBytes: number) => {
    // audio PES carry a PTS only; every audio frame can start decoding
    groups.push({ dts90k: pts90k[first], pts90k: pts90k[first], randomAccess: true, keyframe: false, payloadBytes, first, count });
  };
  let first = 0;
  let payloadBytes = 0;
  for (let i = 0; i < dts90k.length; i++) {
    const frameBytes = frameOverhead + sizeBytes[i];
    if (frameBytes > maxPayload) {
      throw mp4Error('MP4_BAD_SAMPLE', 'audio frame is larger than a PES packet can carry', { frameBytes, dts90k: dts90k[i] });
    }
    const fits =
      i > first &&
      Math.abs(dts90k[i] - dts90k[i - 1] - frameDuration) <= AUDIO_GAP_TOLERANCE_90K &&
      dts90k[i] + frameDuration - dts90k[first] <= AUDIO_PES_MAX_DURATION_90K &&
      payloadBytes + frameBytes <= maxPayload;
    if (i > first && !fits) {
      close(first, i - first, payloadBytes);
      first = i;
      payloadBytes = 0;
    }
    payloadBytes += frameBytes;
  }
  if (dts90k.length > 0) close(first, dts90k.length - first, payloadBytes);
  return groups;
}

/** The muxer's samples as the columns grouping reads. */
function framesOf(samples: readonly MuxSample[]): AudioFrames {
  const frames = { dts90k: new Float64Array(samples.length), pts90k: new Float64Array(samples.length), sizeBytes: new Uint32Array(samples.length) };
  for (let i = 0; i < samples.length; i++) {
    frames.dts90k[i] = samples[i].dts90k;
    frames.pts90k[i] = samples[i].pts90k;
    frames.sizeBytes[i] = samples[i].data.length;
  }
  return frames;
}

/** The audio track for the layout and the writer of its payloads (frames, each behind its ADTS header for AAC). */
export function audioUnits(stream: StreamDescription, config: MuxAudioConfig, samples: readonly MuxSample[]): { track: LayoutTrack; write: PayloadWriter } {
  const adts = config.codec === 'aac' ? adtsTemplate(adtsConfigOf(config.audioSpecificConfig)) : undefined;
  const frameOverhead = audioFrameOverhead(config.codec);
  const groups = groupAudioFrames(framesOf(samples), frameOverhead);
  return {
    track: { stream, units: groups },
    write: (index, out, offset) => {
      const group = groups[index];
      let pos = offset;
      for (let i = group.first; i < group.first + group.count; i++) {
        const raw = samples[i].data;
        if (adts) writeAdtsHeader(adts, raw.length, out, pos);
        out.set(raw, pos + frameOverhead);
        pos += frameOverhead + raw.length;
      }
    },
  };
}
