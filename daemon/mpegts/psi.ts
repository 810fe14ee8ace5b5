// PAT and PMT sections (ISO/IEC 13818-1 §2.4.4), laid out field by field as in the standard's syntax tables.

import { BitWriter } from './bit-writer.js';
import { crc32Mpeg2 } from './crc32.js';
import { PMT_PID, PROGRAM_NUMBER, TRANSPORT_STREAM_ID } from './ids.js';

/** table_id values, Table 2-31. */
const TABLE_ID_PAT = 0x00;
const TABLE_ID_PMT = 0x02;
/** Sections never change between segments of a rendition, so their version stays 0. */
const VERSION_NUMBER = 0;
/** Bytes of CRC_32 at the end of each section. */
const CRC_BYTES = 4;
/** Bytes of a section up to and including section_length (table_id + 2 bytes of flags and length). */
const SECTION_HEAD_BYTES = 3;

/** One elementary stream of the program, as listed in the PMT's loop. */
export interface ProgramStream {
  readonly streamType: number;
  readonly pid: number;
  /** Complete descriptors (tag, length, body) for the ES_info loop; empty when none are needed. */
  readonly descriptors: Uint8Array;
}

/** program_association_section, Table 2-30: one program, pointing at our PMT. */
export function buildPat(): Uint8Array {
  const sectionLength = 5 + 4 + CRC_BYTES; // fixed fields after section_length + one program entry + CRC
  const section = new Uint8Array(SECTION_HEAD_BYTES + sectionLength);
  new BitWriter(section)
    .put(8, TABLE_ID_PAT) // table_id
    .put(1, 1) // section_syntax_indicator
    .put(1, 0) // '0'
    .put(2, 0b11) // reserved
    .put(12, sectionLength) // section_length
    .put(16, TRANSPORT_STREAM_ID) // transport_stream_id
    .put(2, 0b11) // reserved
    .put(5, VERSION_NUMBER) // version_number
    .put(1, 1) // current_next_indicator: this table applies now
    .put(8, 0) // section_number
    .put(8, 0) // last_section_number
    .put(16, PROGRAM_NUMBER) // program_number
    .put(3, 0b111) // reserved
    .put(13, PMT_PID); // program_map_PID
  return appendCrc(section);
}

/** TS_program_map_section, Table 2-33: the program's PCR PID and its elementary streams. */
export function buildPmt(pcrPid: number, streams: readonly ProgramStream[]): Uint8Array {
  const loopBytes = streams.reduce((sum, s) => sum + 5 + s.descriptors.length, 0);
  const sectionLength = 9 + loopBytes + CRC_BYTES; // fixed fields after section_length + ES loop + CRC
  const section = new Uint8Array(SECTION_HEAD_BYTES + sectionLength);
  const w = new BitWriter(section)
    .put(8, TABLE_ID_PMT) // table_id
    .put(1, 1) // section_syntax_indicator
    .put(1, 0) // '0'
    .put(2, 0b11) // reserved
    .put(12, sectionLength) // section_length
    .put(16, PROGRAM_NUMBER) // program_number
    .put(2, 0b11) // reserved
    .put(5, VERSION_NUMBER) // version_number
    .put(1, 1) // current_next_indicator
    .put(8, 0) // section_number
    .put(8, 0) // last_section_number
    .put(3, 0b111) // reserved
    .put(13, pcrPid) // PCR_PID
    .put(4, 0b1111) // reserved
    .put(12, 0); // program_info_length: no program descriptors
  for (const stream of streams) {
    w.put(8, stream.streamType) // stream_type, Table 2-34
      .put(3, 0b111) // reserved
      .put(13, stream.pid) // elementary_PID
      .put(4, 0b1111) // reserved
      .put(12, stream.descriptors.length) // ES_info_length
      .putBytes(stream.descriptors); // descriptor()s
  }
  return appendCrc(section);
}

/**
 * registration_descriptor (§2.6.8) naming the stream's format with a registered
 * four-character format_identifier: ATSC A/52 Annex A asks for 'AC-3' on AC-3 streams, and
 * demuxers that identify streams by registration map 'EAC3' to E-AC-3.
 */
export function registrationDescriptor(formatIdentifier: string): Uint8Array {
  const descriptor = new Uint8Array(6);
  const w = new BitWriter(descriptor)
    .put(8, 0x05) // descriptor_tag: registration_descriptor
    .put(8, 4); // descriptor_length
  for (let i = 0; i < 4; i++) w.put(8, formatIdentifier.charCodeAt(i)); // format_identifier
  return descriptor;
}

/** Fills the section's last four bytes with CRC_32 over everything before them (Annex A). */
function appendCrc(section: Uint8Array): Uint8Array {
  const crcOffset = section.length - CRC_BYTES;
  new BitWriter(section, crcOffset).put(32, crc32Mpeg2(section, 0, crcOffset)); // CRC_32
  return section;
}
