// The program_clock_reference field of an adaptation field (ISO/IEC 13818-1 §2.4.3.5, Table 2-6).

import { BitWriter } from './bit-writer.js';
import { wrap33 } from './clock.js';

/** Bytes of the PCR fields: 33-bit base, 6 reserved bits, 9-bit extension. */
export const PCR_BYTES = 6;

/**
 * Writes a PCR whose value is `pcr90k` ticks of the 90 kHz clock. Our PCRs sit on the 90 kHz grid
 * of the timestamps they lead, so the 27 MHz extension (PCR = base * 300 + extension) is always 0.
 */
export function writePcr(out: Uint8Array, offset: number, pcr90k: number): void {
  new BitWriter(out, offset)
    .put(33, wrap33(pcr90k)) // program_clock_reference_base
    .put(6, 0b111111) // reserved
    .put(9, 0); // program_clock_reference_extension
}
