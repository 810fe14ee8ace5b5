// The muxer's write stage: a segment layout plus the payload bytes in, the segment's bytes out.

import { CasterpakError } from '../errors.js';
import { firstContinuityCounter } from './continuity.js';
import { PAT_PID, PMT_PID, TS_PACKET_BYTES } from './ids.js';
import type { SegmentLayout } from './layout.js';
import { TsPacketWriter } from './packet.js';
import { writePesHeader } from './pes.js';
import { unitBytes, unitHeader, unitLayout } from './pes-unit.js';
import { buildPat, buildPmt } from './psi.js';

/** Gives the muxer a buffer of exactly `bytes` to fill; every byte of it is overwritten. */
export type OutputAllocator = (bytes: number) => Uint8Array;

/** Writes the payload of a track's unit number `index` (as laid out) at `offset`. */
export type PayloadWriter = (index: number, out: Uint8Array, offset: number) => void;

/** One payload writer per PID of the layout's streams. */
export type PayloadWriters = ReadonlyMap<number, PayloadWriter>;

/**
 * Writes PAT, PMT and the items, each PID's counters seeded from the segment number, into a
 * buffer of exactly the laid-out size; the writer ending anywhere else is a bug, refused.
 */
export function writeSegment(layout: SegmentLayout, payloads: PayloadWriters, allocate: OutputAllocator): Uint8Array {
  const { streams, items } = layout;
  const pcrPid = streams[0].pid;
  const writer = new TsPacketWriter(allocate(layout.packetCount * TS_PACKET_BYTES));
  const cc = firstContinuityCounter(layout.segmentNumber);
  for (const pid of [PAT_PID, PMT_PID, ...streams.map((s) => s.pid)]) writer.startContinuity(pid, cc);
  writer.psi(PAT_PID, buildPat());
  writer.psi(PMT_PID, buildPmt(pcrPid, streams));
  for (const item of items) {
    if (item.kind === 'pcr') {
      writer.pcrOnly(pcrPid, item.pcr90k);
      continue;
    }
    const unit = item.unit;
    const writePayload = payloads.get(unit.pid)!;
    writer.pes(unit.pid, unitBytes(unit), unitLayout(unit), (out, offset) => {
      writePayload(unit.index, out, offset + writePesHeader(out, offset, unitHeader(unit)));
    });
  }
  if (writer.pos !== writer.out.length) {
    throw new CasterpakError('PACKAGER_FAILED', 'segment size differs from its plan', { planned: writer.out.length, written: writer.pos });
  }
  return writer.out;
}
