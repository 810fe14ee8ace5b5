// The test TS inspector finds what it is trusted to find: a real builtin segment, corrupted in one precise way, is reported by name.

import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';
import { inspectTs } from '../helpers/ts-inspector.js';

const PACKET = 188;
const VIDEO_PID = 0x100;
const AUDIO_PID = 0x101;

let segment: Uint8Array;

beforeAll(async () => {
  const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
  makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
  const response = await daemon.request('/i/clip.mp4/segment1_0_av.ts');
  expect(response.status).toBe(200);
  segment = new Uint8Array(await response.arrayBuffer());
}, 60_000);

interface PacketFacts {
  index: number;
  pid: number;
  unitStart: boolean;
  hasPayload: boolean;
  cc: number;
  /** Offset of the payload within the segment. */
  payloadAt: number;
}

/** Header fields of every packet (ISO/IEC 13818-1 Table 2-2), read here so the faults are placed independently of the inspector. */
function packets(ts: Uint8Array): PacketFacts[] {
  const list: PacketFacts[] = [];
  for (let index = 0; index * PACKET < ts.length; index++) {
    const at = index * PACKET;
    const afc = (ts[at + 3] >> 4) & 3;
    list.push({
      index,
      pid: ((ts[at + 1] & 0x1f) << 8) | ts[at + 2],
      unitStart: (ts[at + 1] & 0x40) !== 0,
      hasPayload: (afc & 1) === 1,
      cc: ts[at + 3] & 0x0f,
      payloadAt: at + 4 + (afc & 2 ? 1 + ts[at + 4] : 0),
    });
  }
  return list;
}

/** The first packet of `pid` that carries payload but does not start a PES, and is not the PID's first packet. */
function middlePacket(ts: Uint8Array, pid: number): PacketFacts {
  const found = packets(ts).filter((p) => p.pid === pid && p.hasPayload && !p.unitStart)[1];
  if (!found) throw new Error(`no continuation packet on PID ${pid}`);
  return found;
}

describe('the test TS inspector on a real builtin segment', () => {
  it('finds nothing wrong with the segment as the daemon serves it', () => {
    expect(segment.length % PACKET).toBe(0);
    expect(inspectTs(segment).problems).toEqual([]);
  });

  it('names the packet and PID of a continuity_counter that jumps ahead by one', () => {
    const bad = segment.slice();
    const target = middlePacket(bad, VIDEO_PID);
    const jumped = (target.cc + 1) % 16;
    bad[target.index * PACKET + 3] = (bad[target.index * PACKET + 3] & 0xf0) | jumped;
    // The next packet on the PID, untouched, now breaks the count as well: two gaps, both named.
    const after = packets(bad).find((p) => p.index > target.index && p.pid === VIDEO_PID)!;
    expect(inspectTs(bad).problems).toEqual([
      `packet ${target.index}: PID ${VIDEO_PID} continuity_counter ${jumped}, expected ${target.cc}`,
      `packet ${after.index}: PID ${VIDEO_PID} continuity_counter ${after.cc}, expected ${(jumped + 1) % 16}`,
    ]);
  });

  it('reports a PAT and a PMT whose CRC_32 does not verify', () => {
    const [pat, pmt] = packets(segment);
    for (const [table, packet] of [['PAT', pat], ['PMT', pmt]] as const) {
      const bad = segment.slice();
      // The section starts after the pointer_field; its last 4 bytes are the CRC (§2.4.4.4). Flip one bit of the CRC.
      const section = packet.payloadAt + 1 + bad[packet.payloadAt];
      const sectionLength = ((bad[section + 1] & 0x0f) << 8) | bad[section + 2];
      bad[section + 3 + sectionLength - 1] ^= 0x01;
      expect(inspectTs(bad).problems, table).toEqual([`${table}: CRC_32 mismatch`]);
    }
  });

  it('reports a dropped packet as a continuity gap at the packet after it and a PES short of its length', () => {
    const target = middlePacket(segment, VIDEO_PID);
    const bad = new Uint8Array(segment.length - PACKET);
    bad.set(segment.subarray(0, target.index * PACKET));
    bad.set(segment.subarray((target.index + 1) * PACKET), target.index * PACKET);
    // The packet now at the dropped one's place is the next on that PID only when no other PID came between.
    const next = packets(bad).find((p) => p.index >= target.index && p.pid === VIDEO_PID)!;
    // The PES the packet belonged to is now 184 bytes short of its declared length: named too.
    const pesStart = packets(segment).filter((p) => p.pid === VIDEO_PID && p.unitStart && p.index < target.index).at(-1)!;
    const declared = (segment[pesStart.payloadAt + 4] << 8) | segment[pesStart.payloadAt + 5];
    const lostBytes = PACKET - (target.payloadAt - target.index * PACKET);
    expect(inspectTs(bad).problems).toEqual([
      `packet ${next.index}: PID ${VIDEO_PID} continuity_counter ${next.cc}, expected ${target.cc}`,
      `PES at packet ${pesStart.index} (PID ${VIDEO_PID}): PES_packet_length ${declared} but ${declared - lostBytes} bytes follow it`,
    ]);
  });

  it('reports a PES_packet_length that disagrees with the bytes the PES carries', () => {
    const bad = segment.slice();
    const start = packets(bad).find((p) => p.pid === AUDIO_PID && p.unitStart)!;
    const lengthAt = start.payloadAt + 4; // after packet_start_code_prefix (3 bytes) and stream_id (§2.4.3.7)
    const declared = (bad[lengthAt] << 8) | bad[lengthAt + 1];
    expect(declared, 'audio PES carry their length').toBeGreaterThan(0);
    bad[lengthAt + 1] = (declared + 1) & 0xff;
    bad[lengthAt] = (declared + 1) >> 8;
    expect(inspectTs(bad).problems).toEqual([`PES at packet ${start.index} (PID ${AUDIO_PID}): PES_packet_length ${declared + 1} but ${declared} bytes follow it`]);
  });
});
