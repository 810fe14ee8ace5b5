// Which PID, stream_type, stream_id and PMT descriptors each codec of the input is carried with.

import { mp4Error } from '../errors.js';
import { AUDIO_PID, STREAM_ID, STREAM_TYPE, VIDEO_PID } from './ids.js';
import { registrationDescriptor, type ProgramStream } from './psi.js';
import type { MuxAudioConfig, MuxVideoConfig } from './types.js';

export interface StreamDescription extends ProgramStream {
  readonly streamId: number;
}

/** MPEG-1 audio (ISO/IEC 11172-3) defines 32, 44.1 and 48 kHz; lower rates are MPEG-2's extension. */
const LOWEST_MPEG1_AUDIO_RATE = 32000;

const NO_DESCRIPTORS = new Uint8Array(0);

export function describeVideo(config: MuxVideoConfig): StreamDescription {
  const streamType = config.codec === 'avc' ? STREAM_TYPE.avc : STREAM_TYPE.hevc;
  return { streamType, pid: VIDEO_PID, streamId: STREAM_ID.video, descriptors: NO_DESCRIPTORS };
}

/**
 * MP3 gets stream_type 0x03 at the MPEG-1 rates and 0x04 (ISO/IEC 13818-3, "lower sampling
 * frequencies") below them, so the type names the standard whose frame header the stream uses.
 * AC-3 and E-AC-3 follow ATSC A/52 Annex A/G: stream types 0x81/0x87 on private_stream_1, plus a
 * registration descriptor. ffmpeg recognises both from the stream type alone; the descriptor is
 * for demuxers that look for the registered format instead. hls.js plays 0x81 (full build, when
 * the browser decodes AC-3) and rejects E-AC-3 in MPEG-TS whatever we write.
 */
export function describeAudio(config: MuxAudioConfig): StreamDescription {
  const pid = AUDIO_PID;
  switch (config.codec) {
    case 'aac':
      return { streamType: STREAM_TYPE.aacAdts, pid, streamId: STREAM_ID.audio, descriptors: NO_DESCRIPTORS };
    case 'mp3': {
      const streamType = config.sampleRate >= LOWEST_MPEG1_AUDIO_RATE ? STREAM_TYPE.mpeg1Audio : STREAM_TYPE.mpeg2Audio;
      return { streamType, pid, streamId: STREAM_ID.audio, descriptors: NO_DESCRIPTORS };
    }
    case 'ac3':
      return { streamType: STREAM_TYPE.ac3, pid, streamId: STREAM_ID.privateStream1, descriptors: registrationDescriptor('AC-3') };
    case 'eac3':
      return { streamType: STREAM_TYPE.eac3, pid, streamId: STREAM_ID.privateStream1, descriptors: registrationDescriptor('EAC3') };
    default:
      throw mp4Error('MP4_UNSUPPORTED_CODEC', 'audio codec cannot be carried in MPEG-TS', { codec: config.codec });
  }
}
