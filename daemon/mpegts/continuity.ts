// Continuity counters that run on from one segment to the next although each segment is made on its own.

import { MAX_PES_HEADER_STUFFING } from './pes.js';
import { unitBytes, unitHeaderBytes, unitLayout, unitPacketCount, type PesUnit } from './pes-unit.js';
import { pesPacketCount } from './packet.js';
import { CasterpakError } from '../errors.js';

/** continuity_counter is 4 bits (ISO/IEC 13818-1 §2.4.3.3). */
const CC_MODULUS = 16;

/**
 * The rule: in segment N every PID's first packet has continuity_counter N mod 16, and every PID
 * sends 16k + 1 packets with payload, so its last counter is again N mod 16 and segment N + 1,
 * starting at N + 1, follows on. PAT and PMT send one packet each per segment and need nothing
 * more; elementary PIDs reach their count by spreading the end of their last PES over extra
 * packets (packet.ts "thin tail"). Packets with an adaptation field only (PCR-only) do not count.
 */
export function firstContinuityCounter(segmentNumber: number): number {
  return ((segmentNumber % CC_MODULUS) + CC_MODULUS) % CC_MODULUS;
}

/** Extra payload packets that bring `payloadPackets` to 1 modulo 16. */
export function paddingPacketsNeeded(payloadPackets: number): number {
  return (((1 - payloadPackets) % CC_MODULUS) + CC_MODULUS) % CC_MODULUS;
}

/** Sets thin tails on one PID's units (in stream order) so that together they take 16k + 1 packets. */
export function padToContinuity(units: readonly PesUnit[]): void {
  if (units.length === 0) return;
  // Spread payload bytes only, last PES first, so every PES header stays whole in its first packet.
  for (let i = units.length - 1; i >= 0; i--) {
    const needed = paddingPacketsNeeded(totalPackets(units));
    if (needed === 0) return;
    addExtraPackets(units[i], needed, unitHeaderBytes(units[i]));
  }
  if (paddingPacketsNeeded(totalPackets(units)) > 0) padTinyUnit(units);
}

function totalPackets(units: readonly PesUnit[]): number {
  let sum = 0;
  for (const unit of units) sum += unitPacketCount(unit);
  return sum;
}

/**
 * Adds up to `wanted` packets to `unit` (whose tail is not thinned yet) by thinning its tail,
 * keeping its first `keepBytes` bytes in the filled packets, and returns how many it added. Each
 * extra byte sent alone adds one packet or, when it empties a filled packet, none, so every count
 * up to the maximum is reachable.
 */
function addExtraPackets(unit: PesUnit, wanted: number, keepBytes: number): number {
  const bytes = unitBytes(unit);
  const first = unitLayout(unit).firstAdaptationBytes;
  const base = pesPacketCount(bytes, first, 0);
  const most = pesPacketCount(bytes, first, bytes - keepBytes) - base;
  const extra = Math.min(wanted, most);
  let tail = extra;
  while (pesPacketCount(bytes, first, tail) < base + extra) tail++;
  unit.thinTail = tail;
  return extra;
}

/**
 * The PID carries fewer than 16 payload bytes in all (one tiny frame at the end of a rendition):
 * the last PES lets its header span packets too and, if that is still short, grows its header
 * with stuffing bytes, which §2.4.3.7 allows (up to 32) and decoders discard.
 */
function padTinyUnit(units: readonly PesUnit[]): void {
  const last = units[units.length - 1];
  for (let stuffing = 0; stuffing <= MAX_PES_HEADER_STUFFING; stuffing++) {
    last.headerStuffing = stuffing;
    last.thinTail = 0;
    const needed = paddingPacketsNeeded(totalPackets(units));
    if (addExtraPackets(last, needed, 1) === needed) return;
  }
  throw new CasterpakError('PACKAGER_FAILED', 'cannot pad a PID to its continuity count', { pid: last.pid });
}
