// An independent MPEG-TS reader for tests: parses a segment field by field, lists what breaks ISO/IEC 13818-1 or HLS rules, and answers quick questions (streams, first picture).

import { analyseAdts, analyseVideo } from './es-inspector.js';
import { readPat, readPmt } from './ts-sections.js';
import type { Pcr, PesPacket, TsInspection } from './ts-types.js';

export type { AccessUnitNals, AdtsFrame, ContinuityInfo, Pcr, PesPacket, PmtStream, TsInspection } from './ts-types.js';
export { crc32Bitwise } from './ts-sections.js';

const PACKET = 188;
const PCR_MAX_INTERVAL_27M = 2_700_000n; // 100 ms of the 27 MHz system clock
const WRAP_33 = 2n ** 33n;
const STREAM_TYPE_AVC = 0x1b;
const STREAM_TYPE_HEVC = 0x24;
const STREAM_TYPE_AAC_ADTS = 0x0f;

/** b - a on the 33-bit circle, as a signed distance: timestamps compare correctly across the wrap. */
export function signedDiff33(b: number, a: number): number {
  const m = Number(WRAP_33);
  const d = (((b - a) % m) + m) % m;
  return d >= m / 2 ? d - m : d;
}

function readTimestamp(b: Uint8Array, at: number): number {
  const v =
    (BigInt((b[at] >> 1) & 0x07) << 30n) |
    (BigInt(b[at + 1]) << 22n) |
    (BigInt(b[at + 2] >> 1) << 15n) |
    (BigInt(b[at + 3]) << 7n) |
    BigInt(b[at + 4] >> 1);
  return Number(v);
}

function markersOk(b: Uint8Array, at: number): boolean {
  return (b[at] & 1) === 1 && (b[at + 2] & 1) === 1 && (b[at + 4] & 1) === 1;
}

interface PendingPes {
  packetIndex: number;
  chunks: Uint8Array[];
  packetCount: number;
  randomAccess: boolean;
  pcrBefore?: Pcr;
}

/** The state of one pass over the packets. */
interface Pass {
  report: TsInspection;
  pending: Map<number, PendingPes>;
  lastPcr?: Pcr;
}

/** The fields of a packet header (ISO/IEC 13818-1 Table 2-2) and where its payload starts. */
interface PacketView {
  index: number;
  pid: number;
  unitStart: boolean;
  hasPayload: boolean;
  randomAccess: boolean;
  payload: Uint8Array;
}

/** Reads a whole segment (or several concatenated) and reports its structure and every problem found. */
export function inspectTs(data: Uint8Array): TsInspection {
  const report: TsInspection = {
    packetCount: Math.floor(data.length / PACKET),
    pids: [],
    problems: [],
    continuity: new Map(),
    pcrs: [],
    pes: new Map(),
    accessUnits: new Map(),
    adtsFrames: new Map(),
  };
  if (data.length % PACKET !== 0) report.problems.push(`length ${data.length} is not a multiple of 188`);
  const pass: Pass = { report, pending: new Map() };
  for (let i = 0; i < report.packetCount; i++) {
    const packet = readPacket(pass, data.subarray(i * PACKET, (i + 1) * PACKET), i);
    if (packet?.hasPayload) routePayload(pass, packet);
  }
  for (const [pid, pes] of pass.pending) finishPes(report, pid, pes);
  checkLeadingTables(report);
  analyseStreams(report);
  return report;
}

/** Header and adaptation field of one packet; records continuity and PCR. */
function readPacket(pass: Pass, p: Uint8Array, index: number): PacketView | undefined {
  const report = pass.report;
  if (p[0] !== 0x47) {
    report.problems.push(`packet ${index}: sync byte 0x${p[0].toString(16)}`);
    return undefined;
  }
  const pid = ((p[1] & 0x1f) << 8) | p[2];
  const afc = (p[3] >> 4) & 0x03;
  const hasPayload = (afc & 1) === 1;
  report.pids.push(pid);
  if (p[1] & 0x80) report.problems.push(`packet ${index}: transport_error_indicator set`);
  if (afc === 0) report.problems.push(`packet ${index}: adaptation_field_control 00`);
  checkContinuity(report, { pid, cc: p[3] & 0x0f, hasPayload, index });
  const view: PacketView = { index, pid, unitStart: (p[1] & 0x40) !== 0, hasPayload, randomAccess: false, payload: p.subarray(4) };
  if (afc & 2) readAdaptationField(pass, p, view);
  return view;
}

/** Adaptation field, Table 2-6: length, flags, PCR, stuffing. */
function readAdaptationField(pass: Pass, p: Uint8Array, view: PacketView): void {
  const report = pass.report;
  const afLength = p[4];
  view.payload = p.subarray(5 + afLength);
  if (view.hasPayload ? afLength > 182 : afLength !== 183) report.problems.push(`packet ${view.index}: adaptation_field_length ${afLength}`);
  if (afLength === 0) return;
  const flags = p[5];
  view.randomAccess = (flags & 0x40) !== 0;
  if (flags & 0x10) {
    pass.lastPcr = readPcr(p, view.index, view.pid, !view.hasPayload);
    checkPcrInterval(report, pass.lastPcr);
    report.pcrs.push(pass.lastPcr);
  }
  const stuffingFrom = 6 + (flags & 0x10 ? 6 : 0);
  if (!(flags & 0x0f) && p.subarray(stuffingFrom, 5 + afLength).some((b) => b !== 0xff)) {
    report.problems.push(`packet ${view.index}: adaptation stuffing is not 0xFF`);
  }
}

/** PAT, PMT, or a piece of a PES. */
function routePayload(pass: Pass, packet: PacketView): void {
  const report = pass.report;
  if (packet.pid === 0) {
    if (packet.unitStart) readPat(report, packet.payload);
    return;
  }
  if (report.pat?.programs.some((prog) => prog.pmtPid === packet.pid)) {
    if (packet.unitStart) readPmt(report, packet.pid, packet.payload);
    return;
  }
  if (packet.unitStart) {
    const previous = pass.pending.get(packet.pid);
    if (previous) finishPes(report, packet.pid, previous);
    pass.pending.set(packet.pid, {
      packetIndex: packet.index,
      chunks: [packet.payload],
      packetCount: 1,
      randomAccess: packet.randomAccess,
      pcrBefore: pass.lastPcr,
    });
    return;
  }
  const current = pass.pending.get(packet.pid);
  if (!current) {
    report.problems.push(`packet ${packet.index}: PID ${packet.pid} payload before any unit start`);
    return;
  }
  current.chunks.push(packet.payload);
  current.packetCount++;
}

function checkContinuity(report: TsInspection, pkt: { pid: number; cc: number; hasPayload: boolean; index: number }): void {
  if (pkt.pid === 0x1fff) return;
  const info = report.continuity.get(pkt.pid);
  if (!info) {
    report.continuity.set(pkt.pid, {
      first: pkt.cc,
      last: pkt.cc,
      payloadPackets: pkt.hasPayload ? 1 : 0,
      adaptationOnlyPackets: pkt.hasPayload ? 0 : 1,
    });
    return;
  }
  const expected = pkt.hasPayload ? (info.last + 1) % 16 : info.last;
  if (pkt.cc !== expected) {
    report.problems.push(`packet ${pkt.index}: PID ${pkt.pid} continuity_counter ${pkt.cc}, expected ${expected}`);
  }
  info.last = pkt.cc;
  if (pkt.hasPayload) info.payloadPackets++;
  else info.adaptationOnlyPackets++;
}

function readPcr(p: Uint8Array, packetIndex: number, pid: number, adaptationOnly: boolean): Pcr {
  const base =
    (BigInt(p[6]) << 25n) | (BigInt(p[7]) << 17n) | (BigInt(p[8]) << 9n) | (BigInt(p[9]) << 1n) | BigInt(p[10] >> 7);
  const extension = BigInt(((p[10] & 1) << 8) | p[11]);
  return { packetIndex, pid, value27M: base * 300n + extension, base90k: Number(base), adaptationOnly };
}

function checkPcrInterval(report: TsInspection, pcr: Pcr): void {
  const previous = report.pcrs.at(-1);
  if (!previous) return;
  const modulus = WRAP_33 * 300n;
  const step = (((pcr.value27M - previous.value27M) % modulus) + modulus) % modulus;
  if (step > PCR_MAX_INTERVAL_27M) {
    report.problems.push(`packet ${pcr.packetIndex}: PCR ${Number(step) / 27000} ms after the previous one`);
  }
}

function finishPes(report: TsInspection, pid: number, pending: PendingPes): void {
  const total = pending.chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of pending.chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  const where = `PES at packet ${pending.packetIndex} (PID ${pid})`;
  if (bytes.length < 9 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 1) {
    report.problems.push(`${where}: no packet_start_code_prefix`);
    return;
  }
  const pesPacketLength = (bytes[4] << 8) | bytes[5];
  if (pesPacketLength !== 0 && pesPacketLength !== bytes.length - 6) {
    report.problems.push(`${where}: PES_packet_length ${pesPacketLength} but ${bytes.length - 6} bytes follow it`);
  }
  if ((bytes[6] & 0xc0) !== 0x80) report.problems.push(`${where}: '10' bits missing`);
  const ptsDtsFlags = bytes[7] >> 6;
  const headerDataLength = bytes[8];
  const pes: PesPacket = {
    pid,
    packetIndex: pending.packetIndex,
    streamId: bytes[3],
    pesPacketLength,
    dataAlignment: (bytes[6] & 0x04) !== 0,
    randomAccess: pending.randomAccess,
    packetCount: pending.packetCount,
    payload: bytes.subarray(9 + headerDataLength),
    pcrBefore: pending.pcrBefore,
  };
  if (ptsDtsFlags & 2) {
    if (!markersOk(bytes, 9)) report.problems.push(`${where}: PTS marker bits`);
    pes.pts = readTimestamp(bytes, 9);
  }
  if (ptsDtsFlags === 3) {
    if (!markersOk(bytes, 14)) report.problems.push(`${where}: DTS marker bits`);
    pes.dts = readTimestamp(bytes, 14);
  }
  if (ptsDtsFlags === 1) report.problems.push(`${where}: PTS_DTS_flags '01' is forbidden`);
  const list = report.pes.get(pid) ?? [];
  list.push(pes);
  report.pes.set(pid, list);
}

function checkLeadingTables(report: TsInspection): void {
  const pmtPid = report.pat?.programs[0]?.pmtPid;
  if (report.pids[0] !== 0 || report.pids[1] !== pmtPid) {
    report.problems.push(`stream does not start with PAT then PMT (PIDs ${report.pids.slice(0, 2).join(', ')})`);
  }
}

/** Timestamp order, PCR against DTS, and codec-level structure of every elementary stream. */
function analyseStreams(report: TsInspection): void {
  for (const stream of report.pmt?.streams ?? []) {
    const list = report.pes.get(stream.pid) ?? [];
    let previousDts: number | undefined;
    list.forEach((pes, index) => {
      const dts = pes.dts ?? pes.pts;
      if (dts === undefined) return;
      if (previousDts !== undefined && signedDiff33(dts, previousDts) < 0) report.problems.push(`PID ${stream.pid} PES ${index}: DTS ${dts} goes back`);
      previousDts = dts;
      if (!pes.pcrBefore) report.problems.push(`PID ${stream.pid} PES ${index}: no PCR before it`);
      else if (signedDiff33(dts, pes.pcrBefore.base90k) < 0) report.problems.push(`PID ${stream.pid} PES ${index}: PCR ${pes.pcrBefore.base90k} after DTS ${dts}`);
    });
    if (stream.streamType === STREAM_TYPE_AVC || stream.streamType === STREAM_TYPE_HEVC) {
      report.accessUnits.set(stream.pid, analyseVideo(report.problems, stream, list));
    }
    if (stream.streamType === STREAM_TYPE_AAC_ADTS) report.adtsFrames.set(stream.pid, analyseAdts(report.problems, stream.pid, list));
  }
}


/** The elementary streams the segment's PMT declares, in order (stream type and PID). */
export function programStreams(ts: Uint8Array): Array<{ streamType: number; pid: number }> {
  return (inspectTs(ts).pmt?.streams ?? []).map(({ streamType, pid }) => ({ streamType, pid }));
}

/** True when the first slice (VCL NAL unit) of the segment's first video access unit is an IDR picture. */
export function startsWithIdr(ts: Uint8Array): boolean {
  const report = inspectTs(ts);
  const video = report.pmt?.streams.find((s) => s.streamType === STREAM_TYPE_AVC || s.streamType === STREAM_TYPE_HEVC);
  const first = video && report.accessUnits.get(video.pid)?.[0];
  if (!video || !first) return false;
  const hevc = video.streamType === STREAM_TYPE_HEVC;
  const firstSlice = first.nalTypes.find((type) => (hevc ? type <= 31 : type >= 1 && type <= 5));
  return hevc ? firstSlice === 19 || firstSlice === 20 : firstSlice === 5;
}

/**
 * What the segment's first video access unit is, by NAL unit types: "idr", "cra with vps sps pps",
 * "recovery point with sps pps" (an H.264 non-IDR slice after an SEI), or "other <types>". The
 * parameter sets are named only when the access unit carries them before its first slice.
 */
export function firstPicture(ts: Uint8Array): string {
  const report = inspectTs(ts);
  const video = report.pmt?.streams.find((s) => s.streamType === STREAM_TYPE_AVC || s.streamType === STREAM_TYPE_HEVC);
  const types = (video && report.accessUnits.get(video.pid)?.[0]?.nalTypes) ?? [];
  const hevc = video?.streamType === STREAM_TYPE_HEVC;
  const sliceAt = types.findIndex((type) => (hevc ? type <= 31 : type >= 1 && type <= 5));
  const before = new Set(types.slice(0, Math.max(0, sliceAt)));
  const slice = types[sliceAt];
  if (hevc ? slice === 19 || slice === 20 : slice === 5) return 'idr';
  if (hevc && slice === 21 && [32, 33, 34].every((t) => before.has(t))) return 'cra with vps sps pps';
  if (!hevc && slice === 1 && [7, 8, 6].every((t) => before.has(t))) return 'recovery point with sps pps';
  return `other ${types.join(',')}`;
}
