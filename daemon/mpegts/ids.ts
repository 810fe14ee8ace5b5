// The PIDs, stream types and stream ids that every segment we write uses (ISO/IEC 13818-1).

/** Program association table PID, fixed by ISO/IEC 13818-1 Table 2-3. */
export const PAT_PID = 0x0000;
/** Our program map table PID (any user PID works; 0x1000 is the common choice of HLS packagers). */
export const PMT_PID = 0x1000;
/** Elementary stream PIDs: one video and one audio stream per rendition. */
export const VIDEO_PID = 0x0100;
export const AUDIO_PID = 0x0101;

/** The single program of a segment (program_number in PAT and PMT). */
export const PROGRAM_NUMBER = 1;
/** transport_stream_id in the PAT: a free choice, constant so every segment has the same PAT. */
export const TRANSPORT_STREAM_ID = 1;

/** stream_type values, ISO/IEC 13818-1 Table 2-34 unless noted. */
export const STREAM_TYPE = {
  /** ISO/IEC 11172-3 audio (MPEG-1: 32, 44.1, 48 kHz). */
  mpeg1Audio: 0x03,
  /** ISO/IEC 13818-3 audio (MPEG-2 lower sampling frequencies: 16, 22.05, 24 kHz, and 8–12 kHz MPEG-2.5). */
  mpeg2Audio: 0x04,
  /** ISO/IEC 13818-7 audio with ADTS transport syntax. */
  aacAdts: 0x0f,
  /** ITU-T H.264 | ISO/IEC 14496-10. */
  avc: 0x1b,
  /** ITU-T H.265 | ISO/IEC 23008-2. */
  hevc: 0x24,
  /** AC-3, ATSC A/52 Annex A (System A user private range). */
  ac3: 0x81,
  /** E-AC-3, ATSC A/52 Annex G. */
  eac3: 0x87,
} as const;

/** stream_id values, ISO/IEC 13818-1 Table 2-22. */
export const STREAM_ID = {
  /** First video stream number (1110 xxxx). */
  video: 0xe0,
  /** First audio stream number (110x xxxx), for MPEG and AAC audio. */
  audio: 0xc0,
  /** private_stream_1: AC-3 and E-AC-3 are carried here per ATSC A/52 Annex A. */
  privateStream1: 0xbd,
} as const;

/** Bytes of a transport stream packet and of its fixed header (Table 2-2). */
export const TS_PACKET_BYTES = 188;
export const TS_HEADER_BYTES = 4;
/** Payload bytes of a packet without adaptation field. */
export const TS_PAYLOAD_BYTES = TS_PACKET_BYTES - TS_HEADER_BYTES;
/** sync_byte, Table 2-2. */
export const SYNC_BYTE = 0x47;
