// PES packet headers with PTS and DTS (ISO/IEC 13818-1 §2.4.3.6, Table 2-21).

import { wrap33 } from './clock.js';

/** Bytes from packet_start_code_prefix through PES_header_data_length. */
const PES_FIXED_HEADER_BYTES = 9;
/** Bytes of one PTS or DTS field (4-bit prefix, 33 bits in three parts, three marker bits). */
const TIMESTAMP_FIELD_BYTES = 5;
/** PES_packet_length counts the bytes that follow it: these 3 header bytes plus the header data and payload. */
const BYTES_AFTER_LENGTH_FIELD = 3;
/** §2.4.3.7: no more than 32 stuffing bytes in one PES header. */
export const MAX_PES_HEADER_STUFFING = 32;
/** Largest value of the 16-bit PES_packet_length. */
const MAX_PES_PACKET_LENGTH = 0xffff;

export interface PesHeader {
  readonly streamId: number;
  /** Unwrapped 90 kHz timestamps; reduced to 33 bits when written. */
  readonly pts90k: number;
  /** Omitted (PTS_DTS_flags '10') when it equals the PTS, as §2.4.3.7 requires. */
  readonly dts90k: number;
  readonly payloadBytes: number;
  /** 0xFF bytes inside the header; only used to give the continuity padding enough bytes to spread. */
  readonly stuffingBytes: number;
}

export function pesHeaderBytes(hasDts: boolean, stuffingBytes: number): number {
  return PES_FIXED_HEADER_BYTES + (hasDts ? 2 : 1) * TIMESTAMP_FIELD_BYTES + stuffingBytes;
}

/** Largest payload that keeps PES_packet_length non-zero: audio PES must say their length (§2.4.3.7). */
export function maxBoundedPesPayload(hasDts: boolean): number {
  return MAX_PES_PACKET_LENGTH - BYTES_AFTER_LENGTH_FIELD - (hasDts ? 2 : 1) * TIMESTAMP_FIELD_BYTES;
}

/**
 * Writes the header at `offset` and returns its byte length; the payload follows it. Byte by byte
 * rather than through BitWriter: it runs once per PES, hundreds of times per segment.
 */
export function writePesHeader(out: Uint8Array, offset: number, header: PesHeader): number {
  const hasDts = header.dts90k !== header.pts90k;
  const headerBytes = pesHeaderBytes(hasDts, header.stuffingBytes);
  const length = headerBytes - PES_FIXED_HEADER_BYTES + BYTES_AFTER_LENGTH_FIELD + header.payloadBytes;
  // PES_packet_length; 0 means "unbounded", allowed only for video in transport streams
  const packetLength = length > MAX_PES_PACKET_LENGTH ? 0 : length;
  out[offset] = 0x00; // packet_start_code_prefix [23..16]
  out[offset + 1] = 0x00; // packet_start_code_prefix [15..8]
  out[offset + 2] = 0x01; // packet_start_code_prefix [7..0]
  out[offset + 3] = header.streamId; // stream_id
  out[offset + 4] = packetLength >> 8; // PES_packet_length [15..8]
  out[offset + 5] = packetLength & 0xff; // PES_packet_length [7..0]
  out[offset + 6] =
    (0b10 << 6) | // '10'
    (0 << 4) | // PES_scrambling_control: not scrambled
    (0 << 3) | // PES_priority
    (1 << 2) | // data_alignment_indicator: the payload starts with an access unit or audio sync word
    (0 << 1) | // copyright
    0; // original_or_copy
  out[offset + 7] =
    ((hasDts ? 0b11 : 0b10) << 6) | // PTS_DTS_flags
    (0 << 5) | // ESCR_flag
    (0 << 4) | // ES_rate_flag
    (0 << 3) | // DSM_trick_mode_flag
    (0 << 2) | // additional_copy_info_flag
    (0 << 1) | // PES_CRC_flag
    0; // PES_extension_flag
  out[offset + 8] = headerBytes - PES_FIXED_HEADER_BYTES; // PES_header_data_length
  let pos = offset + PES_FIXED_HEADER_BYTES;
  writeTimestamp(out, pos, hasDts ? 0b0011 : 0b0010, header.pts90k);
  pos += TIMESTAMP_FIELD_BYTES;
  if (hasDts) {
    writeTimestamp(out, pos, 0b0001, header.dts90k);
    pos += TIMESTAMP_FIELD_BYTES;
  }
  out.fill(0xff, pos, pos + header.stuffingBytes); // stuffing_byte
  return headerBytes;
}

/** A PTS or DTS field: the 33-bit value split 3 + 15 + 15 with a marker bit after each part. */
function writeTimestamp(out: Uint8Array, offset: number, prefix: number, ticks90k: number): void {
  const value = wrap33(ticks90k);
  const high3 = Math.floor(value / 2 ** 30); // [32..30]; arithmetic, as bit operators stop at 32 bits
  const mid15 = Math.floor(value / 2 ** 15) % 2 ** 15; // [29..15]
  const low15 = value % 2 ** 15; // [14..0]
  out[offset] = (prefix << 4) | (high3 << 1) | 1; // '0010' PTS only, '0011' PTS before DTS, '0001' DTS; [32..30]; marker_bit
  out[offset + 1] = mid15 >> 7; // [29..22]
  out[offset + 2] = ((mid15 & 0x7f) << 1) | 1; // [21..15]; marker_bit
  out[offset + 3] = low15 >> 7; // [14..7]
  out[offset + 4] = ((low15 & 0x7f) << 1) | 1; // [6..0]; marker_bit
}
