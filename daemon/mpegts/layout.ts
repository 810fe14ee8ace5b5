// The muxer's layout stage: sized, timed PES units in, the segment's packets out (PCRs, continuity padding, counts, keyframe offsets); no sample bytes.

import { wrap33 } from './clock.js';
import { padToContinuity } from './continuity.js';
import { TS_PACKET_BYTES } from './ids.js';
import { schedulePcr, type SegmentItem } from './pcr-schedule.js';
import { newPesUnit, unitPacketCount, type PesUnit } from './pes-unit.js';
import type { StreamDescription } from './streams.js';

/** PAT and PMT take one packet each at the start of every segment. */
export const PSI_PACKETS = 2;

/** One PES as the layout needs it: times, flags and the payload's size, never its bytes. */
export interface SizedUnit {
  /** Unwrapped 90 kHz timestamps on the rendition's timeline. */
  readonly dts90k: number;
  readonly pts90k: number;
  /** Sets random_access_indicator on the first packet. */
  readonly randomAccess: boolean;
  /** Bytes of the elementary stream payload (Annex B access unit, ADTS frames, ...). */
  readonly payloadBytes: number;
  /** An IDR picture, or a CRA, BLA or recovery point picture: an I-frame playlist lists its packets. */
  readonly keyframe: boolean;
}

/** One track of the segment: its stream and its units in decode order. */
export interface LayoutTrack {
  readonly stream: StreamDescription;
  readonly units: readonly SizedUnit[];
}

export interface LayoutInput {
  /** 1-based; seeds the continuity counters. */
  readonly segmentNumber: number;
  readonly video?: LayoutTrack;
  readonly audio?: LayoutTrack;
  /** Where the next segment is expected to start: PCRs keep coming up to it (pcr-schedule.ts). */
  readonly endDts90k: number;
}

export interface SegmentLayout {
  readonly segmentNumber: number;
  /** Every declared stream, video first; the first one carries the PCR. */
  readonly streams: readonly StreamDescription[];
  /** What follows PAT and PMT, in order, each PES with its PCR and padding settled. */
  readonly items: readonly SegmentItem[];
  readonly packetCount: number;
  /** The video units as given, for keyframe ranges. */
  readonly video: readonly SizedUnit[];
}

/** Where a picture an I-frame playlist lists lies in the written segment. */
export interface KeyframeRange {
  readonly offsetBytes: number;
  readonly lengthBytes: number;
  /** PTS of the picture at 90 kHz, as written (33-bit). */
  readonly pts90k: number;
}

function pesUnits(track: LayoutTrack | undefined): PesUnit[] {
  if (!track) return [];
  const { pid, streamId } = track.stream;
  return track.units.map((unit, index) =>
    newPesUnit({ pid, streamId, dts90k: unit.dts90k, pts90k: unit.pts90k, randomAccess: unit.randomAccess, payloadBytes: unit.payloadBytes, index }),
  );
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

/**
 * Lays the segment out: PES interleaved by DTS, PCRs on the clock's PID (video when the rendition
 * has video, even in a segment where only audio remains) plus PCR-only packets, and each PID
 * padded to its continuity count. At least one track must be declared.
 */
export function layoutSegment(input: LayoutInput): SegmentLayout {
  const streams = [input.video?.stream, input.audio?.stream].filter((s): s is StreamDescription => s !== undefined);
  const video = pesUnits(input.video);
  const audio = pesUnits(input.audio);
  const items = schedulePcr(interleave(video, audio), streams[0].pid, input.endDts90k);
  padToContinuity(video);
  padToContinuity(audio);
  let packetCount = PSI_PACKETS;
  for (const item of items) packetCount += item.kind === 'pcr' ? 1 : unitPacketCount(item.unit);
  return { segmentNumber: input.segmentNumber, streams, items, packetCount, video: input.video?.units ?? [] };
}

export function layoutSizeBytes(layout: SegmentLayout): number {
  return layout.packetCount * TS_PACKET_BYTES;
}

/**
 * The keyframes' byte ranges: from a picture's first packet through the last packet of the
 * video PID before the next picture (PCR-only packets on that PID included, as a reader of the
 * bytes sees them). The segment's first video PES starts at byte 0 instead, so its range holds the
 * PAT and PMT (and anything sent before the picture), which a player needs to decode it alone.
 */
export function keyframeRanges(layout: SegmentLayout): KeyframeRange[] {
  const ranges: KeyframeRange[] = [];
  const videoPid = layout.video.length > 0 ? layout.streams[0].pid : -1;
  // The picture whose range is open (-1: none yet) and its packets [openStart, openEnd): plain numbers, not an object per picture.
  let openIndex = -1;
  let openStart = 0;
  let openEnd = 0;
  const close = () => {
    const unit = openIndex >= 0 ? layout.video[openIndex] : undefined;
    if (unit?.keyframe) ranges.push({ offsetBytes: openStart * TS_PACKET_BYTES, lengthBytes: (openEnd - openStart) * TS_PACKET_BYTES, pts90k: wrap33(unit.pts90k) });
  };
  let packet = PSI_PACKETS;
  for (const item of layout.items) {
    const packets = item.kind === 'pcr' ? 1 : unitPacketCount(item.unit);
    if (item.kind === 'pcr') {
      if (openIndex >= 0) openEnd = packet + 1; // PCR-only packets ride on the first stream, video here
    } else if (item.unit.pid === videoPid) {
      close();
      openStart = openIndex >= 0 ? packet : 0;
      openEnd = packet + packets;
      openIndex = item.unit.index;
    }
    packet += packets;
  }
  close();
  return ranges;
}
