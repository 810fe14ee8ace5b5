// One PES packet of the layout: its timestamps, its payload's size, and how it is cut into packets (no bytes).

import { FIRST_ADAPTATION_BYTES, NO_PCR, pesPacketCount, type PesLayout } from './packet.js';
import { pesHeaderBytes, type PesHeader } from './pes.js';

export interface PesUnit {
  readonly pid: number;
  readonly streamId: number;
  /** Unwrapped 90 kHz timestamps on the rendition's timeline. */
  readonly dts90k: number;
  readonly pts90k: number;
  readonly randomAccess: boolean;
  readonly payloadBytes: number;
  /** Position of the unit in its track's list: the write stage fetches the payload bytes by it. */
  readonly index: number;
  /** Set by the PCR schedule: the PCR its first packet carries, or NO_PCR. */
  pcr90k: number;
  /** Set by the continuity padding: bytes sent one per packet at the end (packet.ts). */
  thinTail: number;
  /** Set by the continuity padding in rare tiny segments: PES header stuffing bytes. */
  headerStuffing: number;
}

export type PesUnitSource = Omit<PesUnit, 'pcr90k' | 'thinTail' | 'headerStuffing'>;

/** Copies field by field so every unit has one object shape (Object.assign on a literal did not; it showed in profiles). */
export function newPesUnit(source: PesUnitSource): PesUnit {
  return {
    pid: source.pid,
    streamId: source.streamId,
    dts90k: source.dts90k,
    pts90k: source.pts90k,
    randomAccess: source.randomAccess,
    payloadBytes: source.payloadBytes,
    index: source.index,
    pcr90k: NO_PCR,
    thinTail: 0,
    headerStuffing: 0,
  };
}

export function unitHeader(unit: PesUnit): PesHeader {
  return {
    streamId: unit.streamId,
    pts90k: unit.pts90k,
    dts90k: unit.dts90k,
    payloadBytes: unit.payloadBytes,
    stuffingBytes: unit.headerStuffing,
  };
}

export function unitHeaderBytes(unit: PesUnit): number {
  return pesHeaderBytes(unit.dts90k !== unit.pts90k, unit.headerStuffing);
}

/** Bytes of the whole PES packet: header and payload. */
export function unitBytes(unit: PesUnit): number {
  return unitHeaderBytes(unit) + unit.payloadBytes;
}

/** Adaptation field bytes the unit's first packet needs, by what it carries. */
function unitFirstAdaptationBytes(unit: PesUnit): number {
  return unit.pcr90k !== NO_PCR ? FIRST_ADAPTATION_BYTES.pcr : unit.randomAccess ? FIRST_ADAPTATION_BYTES.randomAccess : FIRST_ADAPTATION_BYTES.none;
}

export function unitLayout(unit: PesUnit): PesLayout {
  return { firstAdaptationBytes: unitFirstAdaptationBytes(unit), randomAccess: unit.randomAccess, pcr90k: unit.pcr90k, thinTail: unit.thinTail };
}

/** The packets of the unit as unitLayout cuts it; counted without building the layout, since the layout stage asks for every unit several times. */
export function unitPacketCount(unit: PesUnit): number {
  return pesPacketCount(unitBytes(unit), unitFirstAdaptationBytes(unit), unit.thinTail);
}
