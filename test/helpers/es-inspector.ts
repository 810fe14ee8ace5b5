// Reads elementary streams out of reassembled PES payloads for tests: Annex B NAL unit types and ADTS headers.

import type { AccessUnitNals, AdtsFrame, PesPacket, PmtStream } from './ts-types.js';

/** NAL unit types of an Annex B byte stream (3- or 4-byte start codes). */
export function annexBNalTypes(bytes: Uint8Array, hevc: boolean): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      const header = bytes[i + 3];
      types.push(hevc ? (header >> 1) & 0x3f : header & 0x1f);
      i += 3;
    }
  }
  return types;
}

export function analyseVideo(problems: string[], stream: PmtStream, list: PesPacket[]): AccessUnitNals[] {
  const hevc = stream.streamType === 0x24;
  const aud = hevc ? 35 : 9;
  const isIdr = (t: number) => (hevc ? t === 19 || t === 20 : t === 5);
  const needed = hevc ? [32, 33, 34] : [7, 8];
  return list.map((pes, pesIndex) => {
    const nalTypes = annexBNalTypes(pes.payload, hevc);
    const where = `PID ${stream.pid} access unit ${pesIndex}`;
    if (nalTypes[0] !== aud) problems.push(`${where}: does not start with an access unit delimiter`);
    if (nalTypes.filter((t) => t === aud).length > 1) problems.push(`${where}: more than one delimiter`);
    const idrAt = nalTypes.findIndex(isIdr);
    if (idrAt >= 0) {
      for (const type of needed) {
        const at = nalTypes.indexOf(type);
        if (at < 0 || at > idrAt) problems.push(`${where}: IDR without NAL type ${type} before it`);
      }
    }
    return { pesIndex, nalTypes };
  });
}

export function analyseAdts(problems: string[], pid: number, list: PesPacket[]): AdtsFrame[] {
  const frames: AdtsFrame[] = [];
  list.forEach((pes, pesIndex) => {
    const b = pes.payload;
    let at = 0;
    while (at < b.length) {
      if (at + 7 > b.length || b[at] !== 0xff || (b[at + 1] & 0xf0) !== 0xf0) {
        problems.push(`PID ${pid} PES ${pesIndex}: no ADTS syncword at byte ${at}`);
        return;
      }
      const frame: AdtsFrame = {
        pesIndex,
        mpegVersionId: (b[at + 1] >> 3) & 1,
        protectionAbsent: (b[at + 1] & 1) === 1,
        profile: b[at + 2] >> 6,
        samplingFrequencyIndex: (b[at + 2] >> 2) & 0x0f,
        channelConfiguration: ((b[at + 2] & 1) << 2) | (b[at + 3] >> 6),
        frameLength: ((b[at + 3] & 0x03) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5),
        bufferFullness: ((b[at + 5] & 0x1f) << 6) | (b[at + 6] >> 2),
        rawBlocks: b[at + 6] & 0x03,
      };
      if (frame.frameLength < 7 || at + frame.frameLength > b.length) {
        problems.push(`PID ${pid} PES ${pesIndex}: ADTS frame_length ${frame.frameLength} overruns the PES`);
        return;
      }
      frames.push(frame);
      at += frame.frameLength;
    }
  });
  return frames;
}
