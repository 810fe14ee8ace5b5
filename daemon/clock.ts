// The one module of time-unit conversions: track timescale ticks, the 90 kHz MPEG-TS clock, and seconds.

/**
 * The MPEG-TS system clock for PTS/DTS runs at 90 kHz (ISO/IEC 13818-1 §2.4.3.7). PTS and DTS are
 * 33-bit fields, so they wrap every 2^33 ticks (about 26.5 hours). Everything here works on plain,
 * unwrapped numbers (a rendition's timeline never approaches 2^53); the muxer reduces each value
 * modulo 2^33 with arithmetic (not bit operators, which truncate to 32 bits) when it writes a field.
 */
export const CLOCK_90K_HZ = 90_000;

/**
 * Ticks of `timescale` → 90 kHz ticks, rounded to the nearest tick. The whole seconds are converted
 * apart from the remainder so `ticks * 90000` never leaves the exact range of a double.
 */
export function ticksTo90k(ticks: number, timescale: number): number {
  const wholeSeconds = Math.floor(ticks / timescale);
  const remainderTicks = ticks - wholeSeconds * timescale;
  return wholeSeconds * CLOCK_90K_HZ + Math.round((remainderTicks * CLOCK_90K_HZ) / timescale);
}

export function ticksToSec(ticks: number, timescale: number): number {
  return ticks / timescale;
}

export function secToTicks(sec: number, timescale: number): number {
  return Math.round(sec * timescale);
}

export function sec90k(sec: number): number {
  return Math.round(sec * CLOCK_90K_HZ);
}

export function ticks90kToSec(ticks90k: number): number {
  return ticks90k / CLOCK_90K_HZ;
}
