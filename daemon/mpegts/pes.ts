// PES packet headers with PTS and DTS (ISO/IEC 13818-1 §2.4.3.6, Table 2-21).

import { BitWriter } from './bit-writer.js';
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

/** Writes the header at `offset` and returns its byte length; the payload follows it. */
export function writePesHeader(out: Uint8Array, offset: number, header: PesHeader): number {
  const hasDts = header.dts90k !== header.pts90k;
  const headerBytes = pesHeaderBytes(hasDts, header.stuffingBytes);
  const length = headerBytes - PES_FIXED_HEADER_BYTES + BYTES_AFTER_LENGTH_FIELD + header.payloadBytes;
  const w = new BitWriter(out, offset)
    .put(24, 0x000001) // packet_start_code_prefix
    .put(8, header.streamId) // stream_id
    // PES_packet_length; 0 means "unbounded", allowed only for video in transport streams
    .put(16, length > MAX_PES_PACKET_LENGTH ? 0 : length)
    .put(2, 0b10) // '10'
    .put(2, 0) // PES_scrambling_control: not scrambled
    .put(1, 0) // PES_priority
    .put(1, 1) // data_alignment_indicator: the payload starts with an access unit or audio sync word
    .put(1, 0) // copyright
    .put(1, 0) // original_or_copy
    .put(2, hasDts ? 0b11 : 0b10) // PTS_DTS_flags
    .put(1, 0) // ESCR_flag
    .put(1, 0) // ES_rate_flag
    .put(1, 0) // DSM_trick_mode_flag
    .put(1, 0) // additional_copy_info_flag
    .put(1, 0) // PES_CRC_flag
    .put(1, 0) // PES_extension_flag
    .put(8, headerBytes - PES_FIXED_HEADER_BYTES); // PES_header_data_length
  putTimestamp(w, hasDts ? 0b0011 : 0b0010, header.pts90k);
  if (hasDts) putTimestamp(w, 0b0001, header.dts90k);
  for (let i = 0; i < header.stuffingBytes; i++) w.put(8, 0xff); // stuffing_byte
  return headerBytes;
}

/** A PTS or DTS field: the 33-bit value split 3 + 15 + 15 with a marker bit after each part. */
function putTimestamp(w: BitWriter, prefix: number, ticks90k: number): void {
  const value = wrap33(ticks90k);
  w.put(4, prefix) // '0010' PTS only, '0011' PTS before DTS, '0001' DTS
    .put(3, Math.floor(value / 2 ** 30)) // [32..30]
    .put(1, 1) // marker_bit
    .put(15, Math.floor(value / 2 ** 15) % 2 ** 15) // [29..15]
    .put(1, 1) // marker_bit
    .put(15, value % 2 ** 15) // [14..0]
    .put(1, 1); // marker_bit
}
