// One HLS segment as MPEG-TS: PAT, PMT, then video and audio PES interleaved by DTS (pure: samples in, bytes out).

import { CasterpakError } from '../errors.js';
import { audioUnits } from './audio-units.js';
import { firstContinuityCounter, padToContinuity } from './continuity.js';
import { PAT_PID, PMT_PID, TS_PACKET_BYTES } from './ids.js';
import { TsPacketWriter } from './packet.js';
import { schedulePcr, type SegmentItem } from './pcr-schedule.js';
import { writePesHeader } from './pes.js';
import { unitBytes, unitHeader, unitLayout, unitPacketCount, type PesUnit } from './pes-unit.js';
import { buildPat, buildPmt } from './psi.js';
import { expectedEndDts90k } from './sample-timing.js';
import { describeAudio, describeVideo, type StreamDescription } from './streams.js';
import type { MuxSample, MuxSegmentInput } from './types.js';
import { videoUnits } from './video-units.js';

/** PAT and PMT take one packet each at the start of every segment. */
const PSI_PACKETS = 2;

/** Gives the muxer a buffer of exactly `bytes` to fill; every byte of it is overwritten. */
export type OutputAllocator = (bytes: number) => Uint8Array;

/**
 * A fresh buffer without zero-filling: the writer covers every byte of every packet (headers,
 * adaptation stuffing, payload, PSI filler) and checks it ended exactly at the end, so nothing
 * of the previous contents can show through; zero-filling ~10 MB per segment was measurable.
 */
const freshOutput: OutputAllocator = (bytes) => new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes);

/** Muxes one segment into a buffer from `allocate` (callers that write the result out at once may reuse one). */
export function muxSegment(input: MuxSegmentInput, allocate: OutputAllocator = freshOutput): Uint8Array {
  assertDecodeOrder(input.video?.samples ?? [], 'video');
  assertDecodeOrder(input.audio?.samples ?? [], 'audio');
  const streams: StreamDescription[] = [];
  let video: PesUnit[] = [];
  let audio: PesUnit[] = [];
  if (input.video) {
    const stream = describeVideo(input.video.config);
    streams.push(stream);
    video = videoUnits(stream, input.video.config, input.video.samples);
  }
  if (input.audio) {
    const stream = describeAudio(input.audio.config);
    streams.push(stream);
    audio = audioUnits(stream, input.audio.config, input.audio.samples);
  }
  if (video.length + audio.length === 0) {
    throw new CasterpakError('PACKAGER_FAILED', 'a segment needs at least one sample', { segmentNumber: input.segmentNumber });
  }
  // The PCR rides on video when the rendition has video, even in a segment where only audio remains.
  const pcrPid = streams[0].pid;
  const endDts90k = Math.max(expectedEndDts90k(input.video?.samples ?? []), expectedEndDts90k(input.audio?.samples ?? []));
  const items = schedulePcr(interleave(video, audio), pcrPid, endDts90k);
  padToContinuity(video);
  padToContinuity(audio);
  return writeSegment({ segmentNumber: input.segmentNumber, pmt: buildPmt(pcrPid, streams), streams, items, allocate });
}

/** Interleaving and the PCR schedule rely on each track's samples coming in decode order. */
function assertDecodeOrder(samples: readonly MuxSample[], track: string): void {
  for (let i = 1; i < samples.length; i++) {
    if (samples[i].dts90k < samples[i - 1].dts90k) {
      throw new CasterpakError('PACKAGER_FAILED', 'muxer input is not in decode order', { track, index: i, dts90k: samples[i].dts90k });
    }
  }
}

/** Merges two DTS-ordered lists by DTS; on a tie video goes first, so its PCR leads the audio. */
function interleave(video: readonly PesUnit[], audio: readonly PesUnit[]): PesUnit[] {
  const merged: PesUnit[] = [];
  let v = 0;
  let a = 0;
  while (v < video.length || a < audio.length) {
    const takeVideo = a >= audio.length || (v < video.length && video[v].dts90k <= audio[a].dts90k);
    merged.push(takeVideo ? video[v++] : audio[a++]);
  }
  return merged;
}

/** Sizes the output exactly, then writes PAT, PMT and the items, each PID's counters seeded from the segment number. */
interface SegmentLayout {
  readonly segmentNumber: number;
  readonly pmt: Uint8Array;
  readonly streams: readonly StreamDescription[];
  readonly items: readonly SegmentItem[];
  readonly allocate: OutputAllocator;
}

function writeSegment({ segmentNumber, pmt, streams, items, allocate }: SegmentLayout): Uint8Array {
  let packets = PSI_PACKETS;
  for (const item of items) packets += item.kind === 'pcr' ? 1 : unitPacketCount(item.unit);
  const writer = new TsPacketWriter(allocate(packets * TS_PACKET_BYTES));
  const cc = firstContinuityCounter(segmentNumber);
  for (const pid of [PAT_PID, PMT_PID, ...streams.map((s) => s.pid)]) writer.startContinuity(pid, cc);
  writer.psi(PAT_PID, buildPat());
  writer.psi(PMT_PID, pmt);
  const pcrPid = streams[0].pid;
  for (const item of items) {
    if (item.kind === 'pcr') {
      writer.pcrOnly(pcrPid, item.pcr90k);
      continue;
    }
    const unit = item.unit;
    writer.pes(unit.pid, unitBytes(unit), unitLayout(unit), (out, offset) => {
      unit.writePayload(out, offset + writePesHeader(out, offset, unitHeader(unit)));
    });
  }
  if (writer.pos !== writer.out.length) {
    throw new CasterpakError('PACKAGER_FAILED', 'segment size differs from its plan', { planned: writer.out.length, written: writer.pos });
  }
  return writer.out;
}
