// The transport stream clocks: 33-bit 90 kHz timestamps, the PCR schedule's constants, and their conversions.

/** PTS, DTS and the PCR base are 33-bit counters of the 90 kHz clock (ISO/IEC 13818-1 §2.4.3.7, §2.4.2.2). */
export const TIMESTAMP_MODULUS = 2 ** 33;

/**
 * How far the PCR runs ahead of the decode time of the data that follows it: 100 ms.
 * Decoders buffer at least this much before decoding (other packagers use 50 to 111 ms).
 */
export const PCR_LEAD_90K = 9_000;

/** ISO/IEC 13818-1 §2.7.2: PCRs of a program arrive at most 0.1 s apart. */
export const PCR_MAX_INTERVAL_90K = 9_000;

/**
 * Reduces a timestamp of the rendition's timeline (which may exceed 2^33 after 26.5 hours, or be a
 * little negative) to the 33-bit field value. Modulo arithmetic, not bit operations: JavaScript
 * bit operators work on 32 bits and would silently drop bit 32.
 */
export function wrap33(ticks90k: number): number {
  const r = ticks90k % TIMESTAMP_MODULUS;
  return r < 0 ? r + TIMESTAMP_MODULUS : r;
}

/** The PCR that precedes data decoded at `dts90k`: PCR_LEAD_90K earlier, never below 0 at the rendition start. */
export function pcrForDts(dts90k: number): number {
  return Math.max(0, dts90k - PCR_LEAD_90K);
}
