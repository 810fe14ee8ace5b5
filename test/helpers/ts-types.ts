// What the test TS inspector reports: the shapes shared by its readers (ts-inspector.ts, ts-sections.ts, es-inspector.ts).

export interface AccessUnitNals {
  pesIndex: number;
  nalTypes: number[];
}

export interface AdtsFrame {
  pesIndex: number;
  mpegVersionId: number;
  protectionAbsent: boolean;
  profile: number;
  samplingFrequencyIndex: number;
  channelConfiguration: number;
  frameLength: number;
  bufferFullness: number;
  rawBlocks: number;
}

export interface PmtStream {
  streamType: number;
  pid: number;
  /** Descriptors of the ES_info loop as tag + body. */
  descriptors: { tag: number; body: Uint8Array }[];
}

export interface Pcr {
  packetIndex: number;
  pid: number;
  /** base * 300 + extension, in 27 MHz ticks. */
  value27M: bigint;
  /** The 33-bit base, 90 kHz ticks. */
  base90k: number;
  /** The packet has no payload (adaptation field only). */
  adaptationOnly: boolean;
}

export interface PesPacket {
  pid: number;
  packetIndex: number;
  streamId: number;
  pesPacketLength: number;
  dataAlignment: boolean;
  randomAccess: boolean;
  pts?: number;
  dts?: number;
  /** Number of TS packets the PES spans. */
  packetCount: number;
  payload: Uint8Array;
  /** The PCR most recently seen before this PES started (any PID). */
  pcrBefore?: Pcr;
}

export interface ContinuityInfo {
  first: number;
  last: number;
  payloadPackets: number;
  adaptationOnlyPackets: number;
}

export interface TsInspection {
  packetCount: number;
  pids: number[];
  problems: string[];
  pat?: { transportStreamId: number; programs: { programNumber: number; pmtPid: number }[]; crcOk: boolean };
  pmt?: { pid: number; programNumber: number; pcrPid: number; streams: PmtStream[]; crcOk: boolean };
  continuity: Map<number, ContinuityInfo>;
  pcrs: Pcr[];
  pes: Map<number, PesPacket[]>;
  /** NAL unit types of each video PES (H.264 or HEVC numbering by the PMT's stream type). */
  accessUnits: Map<number, AccessUnitNals[]>;
  adtsFrames: Map<number, AdtsFrame[]>;
}
