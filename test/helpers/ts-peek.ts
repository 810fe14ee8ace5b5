// A minimal, independent MPEG-TS reader for tests: finds the video PID from PAT/PMT and the first NAL types of its first PES.

const PACKET_BYTES = 188;
const SYNC_BYTE = 0x47;
/** Video stream types (ISO/IEC 13818-1 Table 2-34): H.264 and HEVC. */
const VIDEO_STREAM_TYPES = new Map([
  [0x1b, 'avc'],
  [0x24, 'hevc'],
]);

interface Packet {
  readonly pid: number;
  readonly payloadUnitStart: boolean;
  readonly payload: Uint8Array;
}

function* packets(ts: Uint8Array): Generator<Packet> {
  for (let at = 0; at + PACKET_BYTES <= ts.length; at += PACKET_BYTES) {
    if (ts[at] !== SYNC_BYTE) throw new Error(`no sync byte at ${at}`);
    const pid = ((ts[at + 1] & 0x1f) << 8) | ts[at + 2];
    const adaptation = (ts[at + 3] >> 4) & 0x3;
    let start = at + 4;
    if (adaptation & 0x2) start += 1 + ts[at + 4];
    if (!(adaptation & 0x1)) continue;
    yield { pid, payloadUnitStart: (ts[at + 1] & 0x40) !== 0, payload: ts.subarray(start, at + PACKET_BYTES) };
  }
}

/** Section payload after pointer_field, for PSI packets. */
function section(packet: Packet): Uint8Array {
  return packet.payload.subarray(1 + packet.payload[0]);
}

/** The elementary streams the first PMT declares (after the first PAT), in order. */
export function programStreams(ts: Uint8Array): Array<{ streamType: number; pid: number }> {
  let pmtPid = -1;
  for (const packet of packets(ts)) {
    if (packet.pid === 0 && packet.payloadUnitStart) {
      const pat = section(packet);
      pmtPid = ((pat[10] & 0x1f) << 8) | pat[11]; // first program's program_map_PID
    } else if (packet.pid === pmtPid && packet.payloadUnitStart) {
      const pmt = section(packet);
      const sectionLength = ((pmt[1] & 0x0f) << 8) | pmt[2];
      const programInfoLength = ((pmt[10] & 0x0f) << 8) | pmt[11];
      const streams: Array<{ streamType: number; pid: number }> = [];
      for (let at = 12 + programInfoLength; at < 3 + sectionLength - 4; ) {
        streams.push({ streamType: pmt[at], pid: ((pmt[at + 1] & 0x1f) << 8) | pmt[at + 2] });
        at += 5 + (((pmt[at + 3] & 0x0f) << 8) | pmt[at + 4]);
      }
      return streams;
    }
  }
  return [];
}

function findVideoPid(ts: Uint8Array): { pid: number; codec: string } | undefined {
  for (const { streamType, pid } of programStreams(ts)) {
    const codec = VIDEO_STREAM_TYPES.get(streamType);
    if (codec) return { pid, codec };
  }
  return undefined;
}

/** The payload of the first PES on `pid` (its packets up to the next payload_unit_start), PES header removed. */
function firstPesPayload(ts: Uint8Array, pid: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const packet of packets(ts)) {
    if (packet.pid !== pid) continue;
    if (packet.payloadUnitStart && parts.length > 0) break;
    if (packet.payloadUnitStart || parts.length > 0) parts.push(packet.payload);
  }
  const pes = Uint8Array.from(parts.flatMap((part) => Array.from(part)));
  return pes.subarray(9 + pes[8]); // start code, stream_id, length, flags, PES_header_data_length
}

/** NAL unit types of an Annex B byte stream, in order. */
function annexBNalTypes(stream: Uint8Array, codec: string): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      const header = stream[i + 3];
      types.push(codec === 'avc' ? header & 0x1f : (header >> 1) & 0x3f);
      i += 3;
    }
  }
  return types;
}

/** The NAL unit types of the segment's first video access unit, or undefined for a segment without video. */
export function firstAccessUnitNalTypes(ts: Uint8Array): { codec: string; types: number[] } | undefined {
  const video = findVideoPid(ts);
  if (!video) return undefined;
  return { codec: video.codec, types: annexBNalTypes(firstPesPayload(ts, video.pid), video.codec) };
}

/** True when the first slice (VCL NAL) of the segment's first access unit is an IDR picture. */
export function startsWithIdr(ts: Uint8Array): boolean {
  const unit = firstAccessUnitNalTypes(ts);
  if (!unit) return false;
  const firstSlice = unit.types.find((type) => (unit.codec === 'avc' ? type >= 1 && type <= 5 : type <= 31));
  return unit.codec === 'avc' ? firstSlice === 5 : firstSlice === 19 || firstSlice === 20;
}
