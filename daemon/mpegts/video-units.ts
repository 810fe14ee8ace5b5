// Video samples to PES units: one access unit per PES, in Annex B form.

import { mp4Error } from '../errors.js';
import { planAccessUnit, writeAccessUnit } from './annexb.js';
import { newPesUnit, type PesUnit } from './pes-unit.js';
import type { StreamDescription } from './streams.js';
import type { MuxSample, MuxVideoConfig } from './types.js';

/** NAL length prefixes are 1, 2 or 4 bytes (ISO/IEC 14496-15 lengthSizeMinusOne 0, 1 or 3); 3 is read as well. */
const MAX_NAL_LENGTH_SIZE = 4;

export function videoUnits(stream: StreamDescription, config: MuxVideoConfig, samples: readonly MuxSample[]): PesUnit[] {
  if (!Number.isInteger(config.nalLengthSize) || config.nalLengthSize < 1 || config.nalLengthSize > MAX_NAL_LENGTH_SIZE) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', 'NAL unit length size must be 1 to 4 bytes', { nalLengthSize: config.nalLengthSize });
  }
  return samples.map((sample) => {
    const plan = planAccessUnit(sample, config);
    return newPesUnit({
      pid: stream.pid,
      streamId: stream.streamId,
      dts90k: sample.dts90k,
      pts90k: sample.pts90k,
      randomAccess: plan.randomAccess,
      payloadBytes: plan.sizeBytes,
      writePayload: (out, offset) => {
        writeAccessUnit(plan, config, out, offset);
      },
    });
  });
}
