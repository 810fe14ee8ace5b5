// What the samples' timestamps say about frame duration and where a segment's track ends.

/** Anything with a decode time: muxer samples, or frames known only from the sample table. */
interface Timed {
  readonly dts90k: number;
}

/** The decode times of `samples` as one column, the form the functions below read. */
export function dtsColumn(samples: readonly Timed[]): Float64Array {
  const dts90k = new Float64Array(samples.length);
  for (let i = 0; i < samples.length; i++) dts90k[i] = samples[i].dts90k;
  return dts90k;
}

/** How many of the steps between consecutive DTS lie below `step` and at it, and the nearest steps on either side. */
function rankOfStep(dts90k: Float64Array, step: number): { below: number; equal: number; nextBelow: number; nextAbove: number } {
  let below = 0;
  let equal = 0;
  let nextBelow = Number.NEGATIVE_INFINITY;
  let nextAbove = Number.POSITIVE_INFINITY;
  for (let i = 1; i < dts90k.length; i++) {
    const s = dts90k[i] - dts90k[i - 1];
    if (s < step) {
      below++;
      if (s > nextBelow) nextBelow = s;
    } else if (s === step) {
      equal++;
    } else if (s < nextAbove) {
      nextAbove = s;
    }
  }
  return { below, equal, nextBelow, nextAbove };
}

/** Distinct step values tried by counting before sorting: constant rates have one, rounded 44.1 kHz AAC two. */
const COUNTED_CANDIDATES = 4;

/**
 * The median step between consecutive DTS (the upper one of an even count): the frame duration,
 * unaffected by the odd gap; 0 for a single sample. A step is the median when fewer steps than the
 * median's rank lie below it and more lie at or below it, so a track that steps by one or two values
 * is settled by counting, without the copy and sort that a master's pass over every segment of a
 * long rendition felt; anything else is sorted.
 */
export function nominalStep90k(dts90k: Float64Array): number {
  const steps = dts90k.length - 1;
  if (steps < 1) return 0;
  const rank = steps >> 1;
  let candidate = dts90k[1] - dts90k[0];
  for (let tried = 0; tried < COUNTED_CANDIDATES; tried++) {
    const { below, equal, nextBelow, nextAbove } = rankOfStep(dts90k, candidate);
    if (below <= rank && rank < below + equal) return candidate;
    candidate = below > rank ? nextBelow : nextAbove;
  }
  const sorted = new Float64Array(steps);
  for (let i = 1; i <= steps; i++) sorted[i - 1] = dts90k[i] - dts90k[i - 1];
  sorted.sort();
  return sorted[rank];
}

/** Where the next segment's first sample of this track is expected: one nominal step after the last DTS. */
export function expectedEndDts90k(samples: Float64Array | readonly Timed[]): number {
  const dts90k = samples instanceof Float64Array ? samples : dtsColumn(samples);
  return dts90k.length === 0 ? Number.NEGATIVE_INFINITY : dts90k[dts90k.length - 1] + nominalStep90k(dts90k);
}
