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

/** What grouping needs of an audio frame: its times and raw size. */
export interface AudioFrame {
  readonly dts90k: number;
  readonly pts90k: number;
  readonly sizeBytes: number;
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
export function groupAudioFrames(frames: readonly AudioFrame[], frameOverhead: number): AudioPes[] {
  const frameDuration = nominalStep90k(frames);
  const maxPayload = maxBoundedPesPayload(false);
  const groups: AudioPes[] = [];
  const close = (first: number, count: number, payloadBytes: number) => {
    const head = frames[first];
    // audio PES carry a PTS only; every audio frame can start decoding
    groups.push({ dts90k: head.pts90k, pts90k: head.pts90k, randomAccess: true, keyframe: false, payloadBytes, first, count });
  };
  let first = 0;
  let payloadBytes = 0;
  for (let i = 0; i < frames.length; i++) {
    const frameBytes = frameOverhead + frames[i].sizeBytes;
    if (frameBytes > maxPayload) {
      throw mp4Error('MP4_BAD_SAMPLE', 'audio frame is larger than a PES packet can carry', { frameBytes, dts90k: frames[i].dts90k });
    }
    const fits =
      i > first &&
      Math.abs(frames[i].dts90k - frames[i - 1].dts90k - frameDuration) <= AUDIO_GAP_TOLERANCE_90K &&
      frames[i].dts90k + frameDuration - frames[first].dts90k <= AUDIO_PES_MAX_DURATION_90K &&
      payloadBytes + frameBytes <= maxPayload;
    if (i > first && !fits) {
      close(first, i - first, payloadBytes);
      first = i;
      payloadBytes = 0;
    }
    payloadBytes += frameBytes;
  }
  if (frames.length > 0) close(first, frames.length - first, payloadBytes);
  return groups;
}

/** The audio track for the layout and the writer of its payloads (frames, each behind its ADTS header for AAC). */
export function audioUnits(stream: StreamDescription, config: MuxAudioConfig, samples: readonly MuxSample[]): { track: LayoutTrack; write: PayloadWriter } {
  const adts = config.codec === 'aac' ? adtsTemplate(adtsConfigOf(config.audioSpecificConfig)) : undefined;
  const frameOverhead = audioFrameOverhead(config.codec);
  const frames = samples.map((s): AudioFrame => ({ dts90k: s.dts90k, pts90k: s.pts90k, sizeBytes: s.data.length }));
  const groups = groupAudioFrames(frames, frameOverhead);
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
