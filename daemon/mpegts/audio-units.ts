// Audio frames to PES units: consecutive frames grouped per PES, AAC frames given ADTS headers.

import { mp4Error } from '../errors.js';
import { ADTS_HEADER_BYTES, adtsConfigOf, adtsTemplate, writeAdtsHeader } from './adts.js';
import { maxBoundedPesPayload } from './pes.js';
import { nominalStep90k } from './sample-timing.js';
import { newPesUnit, type PesUnit } from './pes-unit.js';
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

/** Frames [first, first + count) of the track, sent as one PES. */
interface FrameGroup {
  readonly first: number;
  readonly count: number;
  readonly payloadBytes: number;
}

export function audioUnits(stream: StreamDescription, config: MuxAudioConfig, samples: readonly MuxSample[]): PesUnit[] {
  const adts = config.codec === 'aac' ? adtsTemplate(adtsConfigOf(config.audioSpecificConfig)) : undefined;
  const frameOverhead = adts ? ADTS_HEADER_BYTES : 0;
  return groupFrames(samples, frameOverhead).map((group) => {
    const head = samples[group.first];
    return newPesUnit({
      pid: stream.pid,
      streamId: stream.streamId,
      dts90k: head.pts90k, // audio PES carry a PTS only
      pts90k: head.pts90k,
      randomAccess: true, // every audio frame can start decoding
      payloadBytes: group.payloadBytes,
      writePayload: (out, offset) => {
        let pos = offset;
        for (let i = group.first; i < group.first + group.count; i++) {
          const raw = samples[i].data;
          if (adts) writeAdtsHeader(adts, raw.length, out, pos);
          out.set(raw, pos + frameOverhead);
          pos += frameOverhead + raw.length;
        }
      },
    });
  });
}

/** Splits the frames into runs that are contiguous in time, at most AUDIO_PES_MAX_DURATION_90K long and length-bounded. */
function groupFrames(samples: readonly MuxSample[], frameOverhead: number): FrameGroup[] {
  const frameDuration = nominalStep90k(samples);
  const maxPayload = maxBoundedPesPayload(false);
  const groups: FrameGroup[] = [];
  let first = 0;
  let payloadBytes = 0;
  for (let i = 0; i < samples.length; i++) {
    const frameBytes = frameOverhead + samples[i].data.length;
    if (frameBytes > maxPayload) {
      throw mp4Error('MP4_BAD_SAMPLE', 'audio frame is larger than a PES packet can carry', { frameBytes, dts90k: samples[i].dts90k });
    }
    const fits =
      i > first &&
      Math.abs(samples[i].dts90k - samples[i - 1].dts90k - frameDuration) <= AUDIO_GAP_TOLERANCE_90K &&
      samples[i].dts90k + frameDuration - samples[first].dts90k <= AUDIO_PES_MAX_DURATION_90K &&
      payloadBytes + frameBytes <= maxPayload;
    if (i > first && !fits) {
      groups.push({ first, count: i - first, payloadBytes });
      first = i;
      payloadBytes = 0;
    }
    payloadBytes += frameBytes;
  }
  if (samples.length > 0) groups.push({ first, count: samples.length - first, payloadBytes });
  return groups;
}
