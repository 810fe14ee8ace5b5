// The muxer's input: codec configs and samples already cut out of the file, timestamps at 90 kHz.

import type { AudioCodec, VideoCodec } from '../mp4/types.js';

export interface MuxVideoConfig {
  readonly codec: VideoCodec;
  readonly nalLengthSize: number;
  readonly vps: Uint8Array[];
  readonly sps: Uint8Array[];
  readonly pps: Uint8Array[];
}

export interface MuxAudioConfig {
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channelCount: number;
  /** AAC only: the AudioSpecificConfig from which each ADTS header is built. */
  readonly audioSpecificConfig?: Uint8Array;
}

/** One access unit (video) or one audio frame, as stored in the MP4 (length-prefixed NALs for video). */
export interface MuxSample {
  /** Decode timestamp at 90 kHz on the rendition's timeline (already shifted so it is >= 0). */
  readonly dts90k: number;
  /** Presentation timestamp at 90 kHz. */
  readonly pts90k: number;
  readonly isKey: boolean;
  readonly data: Uint8Array;
}

/**
 * One segment's samples, each track in decode order. Cut every track of a rendition at the same DTS
 * boundaries, so segment N + 1 holds nothing decoded before segment N's last sample: the PCR (which
 * follows DTS) then keeps rising from one segment to the next.
 */
export interface MuxSegmentInput {
  /** 1-based segment number; seeds the continuity counters so independently made segments stay continuous. */
  readonly segmentNumber: number;
  readonly video?: { readonly config: MuxVideoConfig; readonly samples: readonly MuxSample[] };
  readonly audio?: { readonly config: MuxAudioConfig; readonly samples: readonly MuxSample[] };
}
