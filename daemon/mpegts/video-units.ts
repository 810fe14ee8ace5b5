// Video samples to PES units: one access unit per PES, in Annex B form.

import { planAccessUnit, writeAccessUnit } from './annexb.js';
import { newPesUnit, type PesUnit } from './pes-unit.js';
import type { StreamDescription } from './streams.js';
import type { MuxSample, MuxVideoConfig } from './types.js';

export function videoUnits(stream: StreamDescription, config: MuxVideoConfig, samples: readonly MuxSample[]): PesUnit[] {
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
