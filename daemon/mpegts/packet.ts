// Transport stream packets (ISO/IEC 13818-1 §2.4.3.2): header, adaptation field, payload, continuity counters.

import { CasterpakError } from '../errors.js';
import { TS_HEADER_BYTES, TS_PACKET_BYTES, TS_PAYLOAD_BYTES, SYNC_BYTE } from './ids.js';
import { PCR_BYTES, writePcr } from './pcr.js';

/** adaptation_field_length byte plus the flags byte. */
const ADAPTATION_FLAGS_BYTES = 2;
/** Adaptation field bytes in front of the first packet of a PES, by what it carries. */
export const FIRST_ADAPTATION_BYTES = {
  none: 0,
  randomAccess: ADAPTATION_FLAGS_BYTES,
  pcr: ADAPTATION_FLAGS_BYTES + PCR_BYTES,
} as const;
/** adaptation_field_control, Table 2-5. */
const AFC_PAYLOAD_ONLY = 0b01;
const AFC_ADAPTATION_ONLY = 0b10;
const AFC_ADAPTATION_AND_PAYLOAD = 0b11;
/** Flag bits of the adaptation field's second byte, Table 2-6. */
const RANDOM_ACCESS_INDICATOR = 0x40;
const PCR_FLAG = 0x10;
/** stuffing_byte in adaptation fields and the filler after a PSI section (§2.4.4). */
const STUFFING_BYTE = 0xff;
/** No PCR in this adaptation field. */
export const NO_PCR = -1;

/** How a PES is cut into packets. */
export interface PesLayout {
  /** Adaptation field bytes the first packet needs (FIRST_ADAPTATION_BYTES). */
  readonly firstAdaptationBytes: number;
  readonly randomAccess: boolean;
  /** PCR carried by the first packet, or NO_PCR. */
  readonly pcr90k: number;
  /** The PES's last `thinTail` bytes travel one per packet, to reach a packet count (see continuity.ts). */
  readonly thinTail: number;
}

/** Packets needed for `pesBytes` bytes, filling every packet but the last. */
function filledPacketCount(pesBytes: number, firstAdaptationBytes: number): number {
  const firstPayload = TS_PAYLOAD_BYTES - firstAdaptationBytes;
  if (pesBytes <= firstPayload) return 1;
  return 1 + Math.ceil((pesBytes - firstPayload) / TS_PAYLOAD_BYTES);
}

/** Packets a PES of `pesBytes` bytes takes with this layout. */
export function pesPacketCount(pesBytes: number, firstAdaptationBytes: number, thinTail: number): number {
  return filledPacketCount(pesBytes - thinTail, firstAdaptationBytes) + thinTail;
}

/** Writes packets one after another into a buffer sized in advance, tracking continuity_counter per PID. */
export class TsPacketWriter {
  readonly out: Uint8Array;
  pos = 0;
  /** The continuity_counter the next payload-carrying packet of each PID gets. */
  private readonly nextCc = new Uint8Array(0x2000);

  constructor(out: Uint8Array) {
    this.out = out;
  }

  startContinuity(pid: number, cc: number): void {
    this.nextCc[pid] = cc & 0x0f;
  }

  /** One packet carrying a whole PSI section: pointer_field 0, the section, then 0xFF filler (§2.4.4.2). */
  psi(pid: number, section: Uint8Array): void {
    if (section.length + 1 > TS_PAYLOAD_BYTES) {
      throw new CasterpakError('PACKAGER_FAILED', 'PSI section does not fit one packet', { pid, sectionBytes: section.length });
    }
    const end = this.pos + TS_PACKET_BYTES;
    this.header(pid, true, AFC_PAYLOAD_ONLY);
    this.out[this.pos++] = 0; // pointer_field: the section starts right after it
    this.out.set(section, this.pos);
    this.out.fill(STUFFING_BYTE, this.pos + section.length, end);
    this.pos = end;
  }

  /** A packet with only an adaptation field carrying a PCR; it does not advance the continuity counter. */
  pcrOnly(pid: number, pcr90k: number): void {
    this.header(pid, false, AFC_ADAPTATION_ONLY);
    this.adaptation(TS_PAYLOAD_BYTES, false, pcr90k);
  }

  /**
   * Writes one PES of `pesBytes` bytes as packets cut as `layout` says; `writePes` puts the PES's
   * bytes at the offset it is given. They are first written into the end of the space the packets
   * will take, then moved forward packet by packet: a packet's header never reaches bytes not yet
   * moved (headers only add bytes in front), and moving within one array (copyWithin) spares a
   * scratch buffer and a view per packet.
   */
  pes(pid: number, pesBytes: number, layout: PesLayout, writePes: (out: Uint8Array, offset: number) => void): void {
    const packets = pesPacketCount(pesBytes, layout.firstAdaptationBytes, layout.thinTail);
    let src = this.pos + packets * TS_PACKET_BYTES - pesBytes;
    writePes(this.out, src);
    const filledEnd = src + pesBytes - layout.thinTail;
    const end = src + pesBytes;
    let first = true;
    while (src < filledEnd) {
      const minAdaptation = first ? layout.firstAdaptationBytes : 0;
      const chunk = Math.min(TS_PAYLOAD_BYTES - minAdaptation, filledEnd - src);
      this.payloadPacket(pid, src, chunk, first ? layout : undefined);
      src += chunk;
      first = false;
    }
    for (; src < end; src++) this.payloadPacket(pid, src, 1, undefined);
  }

  /**
   * A packet whose payload is the `length` bytes at `src` in the output (see `pes`), preceded by
   * an adaptation field when the first packet's flags or stuffing need one. `first` is set only for
   * a PES's first packet, which starts the unit.
   */
  private payloadPacket(pid: number, src: number, length: number, first: PesLayout | undefined): void {
    const adaptationBytes = TS_PAYLOAD_BYTES - length;
    this.header(pid, first !== undefined, adaptationBytes > 0 ? AFC_ADAPTATION_AND_PAYLOAD : AFC_PAYLOAD_ONLY);
    if (adaptationBytes > 0) this.adaptation(adaptationBytes, first?.randomAccess ?? false, first?.pcr90k ?? NO_PCR);
    this.out.copyWithin(this.pos, src, src + length);
    this.pos += length;
  }

  /** The 4-byte header, Table 2-2. */
  private header(pid: number, unitStart: boolean, adaptationFieldControl: number): void {
    const hasPayload = adaptationFieldControl !== AFC_ADAPTATION_ONLY;
    // §2.4.3.3: the counter advances only on packets with payload; others repeat the previous value
    const cc = hasPayload ? this.nextCc[pid] : (this.nextCc[pid] + 15) & 0x0f;
    if (hasPayload) this.nextCc[pid] = (cc + 1) & 0x0f;
    const out = this.out;
    const p = this.pos;
    out[p] = SYNC_BYTE; // sync_byte
    out[p + 1] =
      (0 << 7) | // transport_error_indicator
      ((unitStart ? 1 : 0) << 6) | // payload_unit_start_indicator
      (0 << 5) | // transport_priority
      (pid >> 8); // PID[12..8]
    out[p + 2] = pid & 0xff; // PID[7..0]
    out[p + 3] =
      (0 << 6) | // transport_scrambling_control: not scrambled
      (adaptationFieldControl << 4) | // adaptation_field_control
      cc; // continuity_counter
    this.pos = p + TS_HEADER_BYTES;
  }

  /** An adaptation field of exactly `totalBytes` bytes (length byte included), Table 2-6. */
  private adaptation(totalBytes: number, randomAccess: boolean, pcr90k: number): void {
    const out = this.out;
    const start = this.pos;
    const end = start + totalBytes;
    out[start] = totalBytes - 1; // adaptation_field_length
    if (totalBytes === 1) {
      this.pos = end; // a lone length byte of 0 is one byte of stuffing
      return;
    }
    out[start + 1] =
      (0 << 7) | // discontinuity_indicator: segments continue each other
      (randomAccess ? RANDOM_ACCESS_INDICATOR : 0) | // random_access_indicator
      (0 << 5) | // elementary_stream_priority_indicator
      (pcr90k !== NO_PCR ? PCR_FLAG : 0) | // PCR_flag
      0; // OPCR_flag, splicing_point_flag, transport_private_data_flag, adaptation_field_extension_flag
    let p = start + ADAPTATION_FLAGS_BYTES;
    if (pcr90k !== NO_PCR) {
      writePcr(out, p, pcr90k);
      p += PCR_BYTES;
    }
    if (p > end) throw new CasterpakError('PACKAGER_FAILED', 'adaptation field overflows its packet', { totalBytes });
    out.fill(STUFFING_BYTE, p, end); // stuffing_byte
    this.pos = end;
  }
}
