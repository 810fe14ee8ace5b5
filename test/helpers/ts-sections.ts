// PSI sections for the test TS inspector: PAT and PMT read field by field (ISO/IEC 13818-1 §2.4.4), CRC checked bit by bit.

import type { PmtStream, TsInspection } from './ts-types.js';

/** CRC-32/MPEG-2 computed bit by bit (deliberately not the muxer's table method). */
export function crc32Bitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const inBit = (byte >> bit) & 1;
      const top = (crc >>> 31) & 1;
      crc = (crc << 1) >>> 0;
      if (top ^ inBit) crc = (crc ^ 0x04c11db7) >>> 0;
    }
  }
  return crc >>> 0;
}

function readSection(report: TsInspection, payload: Uint8Array, what: string): Uint8Array | undefined {
  const pointer = payload[0];
  const section = payload.subarray(1 + pointer);
  const sectionLength = ((section[1] & 0x0f) << 8) | section[2];
  if ((section[1] & 0x80) === 0) report.problems.push(`${what}: section_syntax_indicator is 0`);
  if (3 + sectionLength > section.length) {
    report.problems.push(`${what}: section_length ${sectionLength} runs past the packet`);
    return undefined;
  }
  return section.subarray(0, 3 + sectionLength);
}

function crcOk(section: Uint8Array): boolean {
  const stored = new DataView(section.buffer, section.byteOffset, section.length).getUint32(section.length - 4);
  return crc32Bitwise(section.subarray(0, section.length - 4)) === stored;
}

export function readPat(report: TsInspection, payload: Uint8Array): void {
  const s = readSection(report, payload, 'PAT');
  if (!s) return;
  if (s[0] !== 0x00) report.problems.push(`PAT: table_id ${s[0]}`);
  const programs: { programNumber: number; pmtPid: number }[] = [];
  for (let at = 8; at + 4 <= s.length - 4; at += 4) {
    programs.push({ programNumber: (s[at] << 8) | s[at + 1], pmtPid: ((s[at + 2] & 0x1f) << 8) | s[at + 3] });
  }
  const pat = { transportStreamId: (s[3] << 8) | s[4], programs, crcOk: crcOk(s) };
  if (!pat.crcOk) report.problems.push('PAT: CRC_32 mismatch');
  report.pat ??= pat;
}

export function readPmt(report: TsInspection, pid: number, payload: Uint8Array): void {
  const s = readSection(report, payload, 'PMT');
  if (!s) return;
  if (s[0] !== 0x02) report.problems.push(`PMT: table_id ${s[0]}`);
  const pcrPid = ((s[8] & 0x1f) << 8) | s[9];
  const programInfoLength = ((s[10] & 0x0f) << 8) | s[11];
  const streams: PmtStream[] = [];
  for (let at = 12 + programInfoLength; at + 5 <= s.length - 4; ) {
    const esInfoLength = ((s[at + 3] & 0x0f) << 8) | s[at + 4];
    const descriptors: PmtStream['descriptors'] = [];
    for (let d = at + 5; d < at + 5 + esInfoLength; d += 2 + s[d + 1]) {
      descriptors.push({ tag: s[d], body: s.slice(d + 2, d + 2 + s[d + 1]) });
    }
    streams.push({ streamType: s[at], pid: ((s[at + 1] & 0x1f) << 8) | s[at + 2], descriptors });
    at += 5 + esInfoLength;
  }
  const pmt = { pid, programNumber: (s[3] << 8) | s[4], pcrPid, streams, crcOk: crcOk(s) };
  if (!pmt.crcOk) report.problems.push('PMT: CRC_32 mismatch');
  report.pmt ??= pmt;
}
