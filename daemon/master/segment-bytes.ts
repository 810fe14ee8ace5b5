// The size of a segment as the builtin muxer writes it, predicted from sample sizes and times alone (pure).

import type { AudioTrack, Movie, VideoTrack } from '../mp4/types.js';
import { ADTS_HEADER_BYTES } from '../mpegts/adts.js';
import { AUDIO_PES_MAX_DURATION_90K } from '../mpegts/audio-units.js';
import { PCR_MAX_INTERVAL_90K } from '../mpegts/clock.js';
import { paddingPacketsNeeded } from '../mpegts/continuity.js';
import { TS_PACKET_BYTES } from '../mpegts/ids.js';
import { FIRST_ADAPTATION_BYTES, pesPacketCount } from '../mpegts/packet.js';
import { maxBoundedPesPayload, pesHeaderBytes } from '../mpegts/pes.js';
import { sampleTimes90k } from '../plan/timeline.js';

/** Inclusive sample indexes of one track in one segment (the shape of the planner's SampleRange). */
export interface SampleSpan {
  readonly firstSample: number;
  readonly lastSample: number;
}

/** What the size model needs of a planned segment (the planner's PlannedSegment satisfies it). */
export interface SegmentSpan {
  readonly durationSec: number;
  readonly video?: SampleSpan;
  readonly audio?: SampleSpan;
}

/** PAT and PMT open every segment, one packet each. */
export const PSI_PACKETS = 2;
/** Annex B start code written in place of each NAL unit's length prefix (H.264 §B.1.1). */
const START_CODE_BYTES = 4;
/** The muxer's access unit delimiters: start code + 2 bytes (H.264 §7.3.2.4), start code + 3 bytes (H.265 §7.3.2.5). */
const AUD_BYTES = { avc: START_CODE_BYTES + 2, hevc: START_CODE_BYTES + 3 } as const;
/** Audio frames further apart than one frame duration plus this start a new PES (as the muxer groups them). */
const AUDIO_GAP_TOLERANCE_90K = 2;

/** One PES the muxer would write: its decode time and how many TS packets it takes. */
interface UnitSize {
  readonly dts90k: number;
  readonly packets: number;
}

/** Parameter sets written before every random access picture, each behind a start code. */
function parameterSetBytes(video: VideoTrack): number {
  const sets = [...(video.codec === 'hevc' ? video.vps : []), ...video.sps, ...video.pps];
  return sets.reduce((sum, set) => sum + START_CODE_BYTES + set.length, 0);
}

/**
 * Each access unit becomes one PES: its sample bytes with every length prefix turned into a start
 * code (counted as one NAL unit per sample; exact for the usual 4-byte prefixes), a delimiter, the
 * parameter sets before sync samples, a PES header with PTS (and DTS when it differs), and a PCR in
 * the adaptation field of its first packet, since video carries the program clock.
 */
function videoUnit(video: VideoTrack, i: number, keyExtraBytes: number): UnitSize {
  const { dts90k, pts90k } = sampleTimes90k(video, i, 0);
  const annexBBytes =
    video.samples.sizes[i] + (START_CODE_BYTES - video.nalLengthSize) + AUD_BYTES[video.codec] + (video.samples.sync[i] ? keyExtraBytes : 0);
  const pesBytes = pesHeaderBytes(dts90k !== pts90k, 0) + annexBBytes;
  return { dts90k, packets: pesPacketCount(pesBytes, FIRST_ADAPTATION_BYTES.pcr, 0) };
}

function videoUnits(video: VideoTrack, span: SampleSpan): UnitSize[] {
  const keyExtraBytes = parameterSetBytes(video);
  const units: UnitSize[] = [];
  for (let i = span.firstSample; i <= span.lastSample; i++) units.push(videoUnit(video, i, keyExtraBytes));
  return units;
}

/** Bytes of the TS packets that carry video sample `i` (its PES alone, as an I-frame byte range holds it). */
export function videoPesBytes(video: VideoTrack, i: number): number {
  return videoUnit(video, i, parameterSetBytes(video)).packets * TS_PACKET_BYTES;
}

/** The median step between frames, as the muxer takes for the nominal frame duration. */
function medianStep90k(times: readonly number[]): number {
  if (times.length < 2) return 0;
  const steps = times.slice(1).map((t, k) => t - times[k]).sort((a, b) => a - b);
  return steps[steps.length >> 1];
}

/** Decode times of a segment's audio frames at 90 kHz (audio PES carry the PTS, equal to the DTS for audio). */
function audioFrameTimes(audio: AudioTrack, span: SampleSpan): number[] {
  const times: number[] = [];
  for (let i = span.firstSample; i <= span.lastSample; i++) times.push(sampleTimes90k(audio, i, 0).dts90k);
  return times;
}

/**
 * Audio frames are grouped into PES as the muxer does: contiguous frames spanning at most
 * AUDIO_PES_MAX_DURATION_90K and one bounded PES length; AAC frames gain a 7-byte ADTS header
 * (ISO/IEC 13818-7 §6.2). The first packet has a random access flag, or a PCR when audio carries the clock.
 */
function audioUnits(audio: AudioTrack, span: SampleSpan, times: readonly number[], carriesPcr: boolean): UnitSize[] {
  const frameOverhead = audio.codec === 'aac' ? ADTS_HEADER_BYTES : 0;
  const frame90k = medianStep90k(times);
  const maxPayload = maxBoundedPesPayload(false);
  const adaptation = carriesPcr ? FIRST_ADAPTATION_BYTES.pcr : FIRST_ADAPTATION_BYTES.randomAccess;
  const units: UnitSize[] = [];
  const close = (first: number, payloadBytes: number) =>
    units.push({ dts90k: times[first], packets: pesPacketCount(pesHeaderBytes(false, 0) + payloadBytes, adaptation, 0) });
  let first = 0;
  let payloadBytes = 0;
  for (let k = 0; k < times.length; k++) {
    const frameBytes = frameOverhead + audio.samples.sizes[span.firstSample + k];
    const fits =
      Math.abs(times[k] - times[k - 1] - frame90k) <= AUDIO_GAP_TOLERANCE_90K &&
      times[k] + frame90k - times[first] <= AUDIO_PES_MAX_DURATION_90K &&
      payloadBytes + frameBytes <= maxPayload;
    if (k > first && !fits) {
      close(first, payloadBytes);
      first = k;
      payloadBytes = 0;
    }
    payloadBytes += frameBytes;
  }
  if (times.length > 0) close(first, payloadBytes);
  return units;
}

/** Where the muxer expects the next segment of a track to start: one median step after its last DTS. */
function expectedEnd90k(times: readonly number[]): number {
  return times.length === 0 ? Number.NEGATIVE_INFINITY : times[times.length - 1] + medianStep90k(times);
}

/**
 * PCR-only packets, as the muxer schedules them over the units in DTS order (video first on a tie):
 * one before the first unit when that unit is not on the clock's PID, one per 100 ms without a PCR
 * (ISO/IEC 13818-1 §2.7.2; only below 10 pictures a second, or in a stretch with audio alone), and
 * more up to where the next segment is expected to start. PCRs lead DTS by a constant, so DTS stand in.
 */
function pcrOnlyPackets(clock: readonly UnitSize[], other: readonly UnitSize[], endDts90k: number): number {
  let packets = 0;
  let lastPcr = Number.NaN;
  let c = 0;
  let o = 0;
  while (c < clock.length || o < other.length) {
    const onClock = o >= other.length || (c < clock.length && clock[c].dts90k <= other[o].dts90k);
    const dts90k = onClock ? clock[c++].dts90k : other[o++].dts90k;
    if (Number.isNaN(lastPcr)) {
      if (!onClock) packets++;
      lastPcr = dts90k;
    }
    while (dts90k - lastPcr > PCR_MAX_INTERVAL_90K) {
      lastPcr += PCR_MAX_INTERVAL_90K;
      packets++;
    }
    if (onClock) lastPcr = Math.max(dts90k, lastPcr);
  }
  while (endDts90k - lastPcr > PCR_MAX_INTERVAL_90K) {
    lastPcr += PCR_MAX_INTERVAL_90K;
    packets++;
  }
  return packets;
}

/** Packets of one PID, plus the continuity padding that brings them to 16k + 1 (the muxer's counter rule). */
function pidPackets(units: readonly UnitSize[]): number {
  if (units.length === 0) return 0;
  const packets = units.reduce((sum, unit) => sum + unit.packets, 0);
  return packets + paddingPacketsNeeded(packets);
}

/**
 * Bytes of the segment the builtin muxer writes for `segment`. Exact when each video sample holds
 * NAL units with 4-byte length prefixes and no delimiters or parameter sets of its own (what
 * encoders write into MP4); otherwise within a few bytes per access unit.
 */
export function segmentSizeBytes(movie: Movie, segment: SegmentSpan): number {
  // Every segment declares every track, and the clock rides on video whenever the rendition has video.
  const video = movie.video && segment.video ? videoUnits(movie.video, segment.video) : [];
  const audioFrames = movie.audio && segment.audio ? audioFrameTimes(movie.audio, segment.audio) : [];
  const audio = movie.audio && segment.audio ? audioUnits(movie.audio, segment.audio, audioFrames, !movie.video) : [];
  const clock = movie.video ? video : audio;
  const other = movie.video ? audio : [];
  const endDts90k = Math.max(expectedEnd90k(video.map((u) => u.dts90k)), expectedEnd90k(audioFrames));
  const packets = PSI_PACKETS + pcrOnlyPackets(clock, other, endDts90k) + pidPackets(video) + pidPackets(audio);
  return packets * TS_PACKET_BYTES;
}
