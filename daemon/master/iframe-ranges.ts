// Where each random access picture lies in a muxed MPEG-TS segment: byte ranges and PTS, read back from the bytes (pure).

import { CasterpakError } from '../errors.js';
import { concatBytes } from '../mp4/bytes.js';
import { PAT_PID, STREAM_TYPE, SYNC_BYTE, TS_PACKET_BYTES } from '../mpegts/ids.js';
import type { KeyframeRange } from '../mpegts/layout.js';
import { annexBPictureKind } from '../plan/nal-classify.js';

/** The muxer's layout predicts the same ranges for its own segments (mpegts/layout.ts); these are read from any packager's. */
export type { KeyframeRange };

/** PES_header_data_length sits at byte 8; the optional fields start at byte 9 (Table 2-21). */
const PES_FIXED_HEADER_BYTES = 9;

interface Packet {
  readonly pid: number;
  readonly unitStart: boolean;
  /** Payload bytes (after header and adaptation field); empty when the packet has none. */
  readonly payload: Uint8Array;
}

function packetAt(ts: Uint8Array, index: number): Packet {
  const at = index * TS_PACKET_BYTES;
  if (ts[at] !== SYNC_BYTE) throw new CasterpakError('PACKAGER_FAILED', 'segment is not a transport stream (lost sync)', { offsetBytes: at });
  const pid = ((ts[at + 1] & 0x1f) << 8) | ts[at + 2]; // PID, 13 bits
  const unitStart = (ts[at + 1] & 0x40) !== 0; // payload_unit_start_indicator
  const adaptationFieldControl = (ts[at + 3] >> 4) & 0x03;
  const hasAdaptation = (adaptationFieldControl & 0x02) !== 0;
  const hasPayload = (adaptationFieldControl & 0x01) !== 0;
  const payloadStart = at + 4 + (hasAdaptation ? 1 + ts[at + 4] : 0); // + adaptation_field_length byte and field
  const end = at + TS_PACKET_BYTES;
  return { pid, unitStart, payload: hasPayload && payloadStart < end ? ts.subarray(payloadStart, end) : new Uint8Array(0) };
}

/** The section in a PSI packet's payload, after its pointer_field (§2.4.4.2). */
function sectionOf(payload: Uint8Array): Uint8Array {
  return payload.subarray(1 + (payload[0] ?? 0));
}

/** PAT (Table 2-30): the PID of the first program's PMT. */
function pmtPidOf(section: Uint8Array): number | undefined {
  const sectionLength = ((section[1] & 0x0f) << 8) | section[2];
  const loopEnd = Math.min(3 + sectionLength - 4, section.length); // minus CRC_32
  for (let p = 8; p + 4 <= loopEnd; p += 4) {
    const programNumber = (section[p] << 8) | section[p + 1];
    if (programNumber !== 0) return ((section[p + 2] & 0x1f) << 8) | section[p + 3]; // program_map_PID
  }
  return undefined;
}

/** PMT (Table 2-33): the PID and codec of the first H.264/H.265 stream. */
function videoStreamOf(section: Uint8Array): { pid: number; hevc: boolean } | undefined {
  const sectionLength = ((section[1] & 0x0f) << 8) | section[2];
  const programInfoLength = ((section[10] & 0x0f) << 8) | section[11];
  const loopEnd = Math.min(3 + sectionLength - 4, section.length);
  for (let p = 12 + programInfoLength; p + 5 <= loopEnd; ) {
    const streamType = section[p];
    const pid = ((section[p + 1] & 0x1f) << 8) | section[p + 2]; // elementary_PID
    const esInfoLength = ((section[p + 3] & 0x0f) << 8) | section[p + 4];
    if (streamType === STREAM_TYPE.avc || streamType === STREAM_TYPE.hevc) return { pid, hevc: streamType === STREAM_TYPE.hevc };
    p += 5 + esInfoLength;
  }
  return undefined;
}

/** PTS from a PES header (Table 2-21): 33 bits in 3 + 15 + 15 with marker bits. Arithmetic, not bit ops (33 bits). */
function ptsOf(pes: Uint8Array): number | undefined {
  if (pes.length < PES_FIXED_HEADER_BYTES + 5 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return undefined;
  if ((pes[7] & 0x80) === 0) return undefined; // PTS_DTS_flags without PTS
  const p = PES_FIXED_HEADER_BYTES;
  return ((pes[p] >> 1) & 0x07) * 2 ** 30 + ((pes[p + 1] << 7) | (pes[p + 2] >> 1)) * 2 ** 15 + ((pes[p + 3] << 7) | (pes[p + 4] >> 1));
}

/**
 * Does this Annex B access unit start decoding on its own: an IDR picture, an HEVC CRA or BLA picture,
 * or an H.264 I picture with a recovery point SEI? The last two are where an open-GOP source is cut,
 * and an I-frame playlist of it that listed IDR pictures only would have one entry per film.
 */
function startsRandomAccess(es: Uint8Array, hevc: boolean): boolean {
  return annexBPictureKind(hevc ? 'hevc' : 'avc', es) !== 'not-idr';
}

interface VideoPes {
  readonly firstPacket: number;
  lastPacket: number;
  readonly chunks: Uint8Array[];
}

/**
 * Finds every video PES that carries a random access picture (see startsRandomAccess). A range runs
 * from the picture's first packet through its last; the segment's first picture starts at byte 0 so it includes the PAT and PMT that
 * open the segment, and a later picture directly preceded by a PAT/PMT pair (as some muxers repeat
 * them before keyframes) includes that pair.
 */
export function findKeyframeRanges(ts: Uint8Array): KeyframeRange[] {
  if (ts.length % TS_PACKET_BYTES !== 0) {
    throw new CasterpakError('PACKAGER_FAILED', 'segment length is not a whole number of TS packets', { sizeBytes: ts.length });
  }
  const packetCount = ts.length / TS_PACKET_BYTES;
  let pmtPid: number | undefined;
  let video: { pid: number; hevc: boolean } | undefined;
  const pesList: VideoPes[] = [];
  const pids = new Int32Array(packetCount);
  for (let i = 0; i < packetCount; i++) {
    const packet = packetAt(ts, i);
    pids[i] = packet.pid;
    if (packet.pid === PAT_PID && packet.unitStart) pmtPid = pmtPidOf(sectionOf(packet.payload)) ?? pmtPid;
    else if (packet.pid === pmtPid && packet.unitStart) video = videoStreamOf(sectionOf(packet.payload)) ?? video;
    else if (video && packet.pid === video.pid) {
      if (packet.unitStart) pesList.push({ firstPacket: i, lastPacket: i, chunks: [] });
      const current = pesList[pesList.length - 1];
      if (!current) continue; // the tail of a PES begun in another segment
      current.lastPacket = i;
      current.chunks.push(packet.payload);
    }
  }
  if (!video) return [];
  const hevc = video.hevc;
  const ranges: KeyframeRange[] = [];
  pesList.forEach((pes, index) => {
    const bytes = concatBytes(pes.chunks);
    const pts90k = ptsOf(bytes);
    if (pts90k === undefined || !startsRandomAccess(bytes.subarray(PES_FIXED_HEADER_BYTES + bytes[8]), hevc)) return;
    let first = pes.firstPacket;
    if (index === 0) first = 0;
    else while (first > 0 && (pids[first - 1] === PAT_PID || pids[first - 1] === pmtPid)) first--;
    ranges.push({ offsetBytes: first * TS_PACKET_BYTES, lengthBytes: (pes.lastPacket + 1 - first) * TS_PACKET_BYTES, pts90k });
  });
  return ranges;
}
