// What the samples' timestamps say about frame duration and where a segment's track ends.

/** Anything with a decode time: muxer samples, or frames known only from the sample table. */
interface Timed {
  readonly dts90k: number;
}

/** The median step between consecutive DTS: the frame duration, unaffected by the odd gap; 0 for a single sample. */
export function nominalStep90k(samples: readonly Timed[]): number {
  if (samples.length < 2) return 0;
  const steps = new Float64Array(samples.length - 1);
  for (let i = 1; i < samples.length; i++) steps[i - 1] = samples[i].dts90k - samples[i - 1].dts90k;
  steps.sort();
  return steps[steps.length >> 1];
}

/** Where the next segment's first sample of this track is expected: one nominal step after the last DTS. */
export function expectedEndDts90k(samples: readonly Timed[]): number {
  return samples.length === 0 ? Number.NEGATIVE_INFINITY : samples[samples.length - 1].dts90k + nominalStep90k(samples);
}
