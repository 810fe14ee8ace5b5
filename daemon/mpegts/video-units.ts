// Video samples to PES units: one access unit per PES, in Annex B form, sized for the layout and written from the sample.

import { mp4Error } from '../errors.js';
import { planAccessUnit, writeAccessUnit } from './annexb.js';
import type { LayoutTrack } from './layout.js';
import type { PayloadWriter } from './segment-writer.js';
import type { StreamDescription } from './streams.js';
import type { MuxSample, MuxVideoConfig } from './types.js';

/** NAL length prefixes are 1, 2 or 4 bytes (ISO/IEC 14496-15 lengthSizeMinusOne 0, 1 or 3); 3 is read as well. */
const MAX_NAL_LENGTH_SIZE = 4;

export function checkNalLengthSize(config: MuxVideoConfig): void {
  if (!Number.isInteger(config.nalLengthSize) || config.nalLengthSize < 1 || config.nalLengthSize > MAX_NAL_LENGTH_SIZE) {
    throw mp4Error('MP4_BAD_CODEC_CONFIG', 'NAL unit length size must be 1 to 4 bytes', { nalLengthSize: config.nalLengthSize });
  }
}

/** The video track for the layout (each sample sized from its NAL units) and the writer of its payloads. */
export function videoUnits(stream: StreamDescription, config: MuxVideoConfig, samples: readonly MuxSample[]): { track: LayoutTrack; write: PayloadWriter } {
  checkNalLengthSize(config);
  const plans = samples.map((sample) => planAccessUnit(sample, config));
  return {
    track: { stream, units: plans },
    write: (index, out, offset) => {
      writeAccessUnit(plans[index], config, out, offset);
    },
  };
}
