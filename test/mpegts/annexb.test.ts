// Video access units leave the muxer in Annex B form: a delimiter first, parameter sets before every IDR.

import { describe, expect, it } from 'vitest';
import { muxSegment } from '../../daemon/mpegts/muxer.js';
import type { MuxSample, MuxVideoConfig } from '../../daemon/mpegts/types.js';
import { inspectTs } from '../helpers/ts-inspector.js';
import { AVC_PPS, AVC_SPS, avcConfig, avcNal, hevcNal, lengthPrefixed } from '../helpers/synthetic-media.js';

const startCode = Uint8Array.of(0, 0, 0, 1);
const annexB = (...nals: Uint8Array[]) => Buffer.concat(nals.flatMap((n) => [startCode, n]));

function sample(i: number, nals: Uint8Array[], isKey: boolean, lengthSize = 4): MuxSample {
  return { dts90k: 9090 + i * 3600, pts90k: 9090 + i * 3600, isKey, data: lengthPrefixed(nals, lengthSize) };
}

function videoPayloads(config: MuxVideoConfig, samples: MuxSample[]) {
  const report = inspectTs(muxSegment({ segmentNumber: 1, video: { config, samples } }));
  return { report, payloads: report.pes.get(0x100)!.map((p) => Buffer.from(p.payload)) };
}

describe('H.264 to Annex B', () => {
  const idr = avcNal(5, 300);
  const slice = avcNal(1, 120);
  const sei = avcNal(6, 12);

  it('writes a delimiter, SPS and PPS, then the IDR; other pictures get only the delimiter', () => {
    const { report, payloads } = videoPayloads(avcConfig(), [sample(0, [sei, idr], true), sample(1, [slice], false)]);
    expect(report.problems).toEqual([]);
    const aud = Uint8Array.of(0x09, 0xf0);
    expect(payloads[0]).toEqual(annexB(aud, AVC_SPS, AVC_PPS, sei, idr));
    expect(payloads[1]).toEqual(annexB(aud, slice));
    expect(report.accessUnits.get(0x100)!.map((a) => a.nalTypes)).toEqual([
      [9, 7, 8, 6, 5],
      [9, 1],
    ]);
  });

  it('does not repeat parameter sets the sample already carries', () => {
    const inbandSps = avcNal(7, 30, 99);
    const inbandPps = avcNal(8, 7, 98);
    const { payloads } = videoPayloads(avcConfig(), [sample(0, [inbandSps, inbandPps, idr], true)]);
    expect(payloads[0]).toEqual(annexB(Uint8Array.of(0x09, 0xf0), inbandSps, inbandPps, idr));
  });

  it('replaces a delimiter inside the sample with its own at the front', () => {
    const { payloads } = videoPayloads(avcConfig(), [sample(0, [Uint8Array.of(0x09, 0x30), slice], false)]);
    expect(payloads[0]).toEqual(annexB(Uint8Array.of(0x09, 0xf0), slice));
  });

  it('inserts parameter sets at an IDR even when the sample is not flagged as sync', () => {
    const { report } = videoPayloads(avcConfig(), [sample(0, [idr], false)]);
    expect(report.accessUnits.get(0x100)![0].nalTypes).toEqual([9, 7, 8, 5]);
    expect(report.pes.get(0x100)![0].randomAccess).toBe(true);
  });

  it('reads 1-, 2- and 4-byte NAL length prefixes', () => {
    for (const lengthSize of [1, 2, 4]) {
      const { payloads } = videoPayloads(avcConfig(lengthSize), [sample(0, [slice, avcNal(1, 90, 3)], false, lengthSize)]);
      expect(payloads[0]).toEqual(annexB(Uint8Array.of(0x09, 0xf0), slice, avcNal(1, 90, 3)));
    }
  });

  it('refuses a sample whose NAL length runs past its end', () => {
    const broken = lengthPrefixed([slice]);
    broken[3] += 1;
    expect(() => muxSegment({ segmentNumber: 1, video: { config: avcConfig(), samples: [{ dts90k: 0, pts90k: 0, isKey: false, data: broken }] } })).toThrow(
      expect.objectContaining({ code: 'MP4_BAD_SAMPLE', status: 422 }),
    );
  });

  it('marks IDR access units as random access points in the adaptation field', () => {
    const { report } = videoPayloads(avcConfig(), [sample(0, [idr], true), sample(1, [slice], false), sample(2, [idr], true)]);
    expect(report.pes.get(0x100)!.map((p) => p.randomAccess)).toEqual([true, false, true]);
  });
});

describe('HEVC to Annex B', () => {
  const vps = hevcNal(32, 20);
  const sps = hevcNal(33, 40);
  const pps = hevcNal(34, 8);
  const config: MuxVideoConfig = { codec: 'hevc', nalLengthSize: 4, vps: [vps], sps: [sps], pps: [pps] };

  it('writes a delimiter, VPS, SPS and PPS before IDR and CRA pictures', () => {
    const idr = hevcNal(19, 200);
    const cra = hevcNal(21, 200);
    const trail = hevcNal(1, 50);
    const { report, payloads } = videoPayloads(config, [sample(0, [idr], true), sample(1, [trail], false), sample(2, [cra], true)]);
    expect(report.problems).toEqual([]);
    const aud = Uint8Array.of(0x46, 0x01, 0x50);
    expect(payloads[0]).toEqual(annexB(aud, vps, sps, pps, idr));
    expect(payloads[1]).toEqual(annexB(aud, trail));
    expect(payloads[2]).toEqual(annexB(aud, vps, sps, pps, cra));
  });

  it('gives the delimiter the TemporalId of its picture', () => {
    const { payloads } = videoPayloads(config, [sample(0, [hevcNal(19, 100)], true), sample(1, [hevcNal(1, 60, 3)], false)]);
    expect([...payloads[1].subarray(4, 7)]).toEqual([0x46, 0x03, 0x50]);
  });
});
