// The CMAF init segment of one track: ftyp, then a moov with no samples and an mvex/trex (ISO/IEC 14496-12 §8.8; ISO/IEC 23000-19 §7.3) (pure).

import type { AudioTrack, Track, VideoTrack } from '../mp4/types.js';
import { box, bytes, fourcc, fullBoxHeader, parts, serialize, u16, u32, zeros, type Part } from './box.js';

/** Every CMAF file holds one track, so every track is track 1. */
export const CMAF_TRACK_ID = 1;

/** The identity transformation matrix of tkhd and mvhd (§8.3.2.3): 16.16 and 2.30 fixed point. */
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
/** `und` packed as three 5-bit letters (ISO 639-2/T, §8.4.2.3). */
const LANGUAGE_UNDETERMINED = 0x55c4;
/** 72 dpi in 16.16 fixed point (§12.1.3.2). */
const DPI_72 = 0x00480000;
/** tkhd flags: track_enabled | track_in_movie (§8.3.2.3). */
const TRACK_ENABLED_IN_MOVIE = 0x000003;
/** url flags: the media data is in the same file (§8.7.2.3). */
const SELF_CONTAINED = 0x000001;

function matrix(): Part {
  return parts(...UNITY_MATRIX.map((value) => u32('matrix', value)));
}

function ftyp(): Part {
  return box('ftyp',
    fourcc('major_brand', 'iso6'),
    u32('minor_version', 0),
    fourcc('compatible_brands', 'iso6'),
    fourcc('compatible_brands', 'cmfc'),
    fourcc('compatible_brands', 'mp41'),
    fourcc('compatible_brands', 'dash'),
  );
}

function mvhd(track: Track): Part {
  return box('mvhd',
    fullBoxHeader({ version: 0, flags: 0 }),
    u32('creation_time', 0),
    u32('modification_time', 0),
    u32('timescale', track.timescale),
    u32('duration', 0), // unknown in a fragmented file: the fragments carry the samples
    u32('rate', 0x00010000),
    u16('volume', 0x0100),
    zeros('reserved', 10),
    matrix(),
    zeros('pre_defined', 24),
    u32('next_track_ID', CMAF_TRACK_ID + 1),
  );
}

function tkhd(track: Track): Part {
  const video = track.kind === 'video' ? track : undefined;
  return box('tkhd',
    fullBoxHeader({ version: 0, flags: TRACK_ENABLED_IN_MOVIE }),
    u32('creation_time', 0),
    u32('modification_time', 0),
    u32('track_ID', CMAF_TRACK_ID),
    u32('reserved', 0),
    u32('duration', 0),
    zeros('reserved', 8),
    u16('layer', 0),
    u16('alternate_group', 0),
    u16('volume', video ? 0 : 0x0100),
    u16('reserved', 0),
    matrix(),
    u32('width', (video?.width ?? 0) * 0x10000),
    u32('height', (video?.height ?? 0) * 0x10000),
  );
}

function mdhd(track: Track): Part {
  return box('mdhd',
    fullBoxHeader({ version: 0, flags: 0 }),
    u32('creation_time', 0),
    u32('modification_time', 0),
    u32('timescale', track.timescale),
    u32('duration', 0),
    u16('language', LANGUAGE_UNDETERMINED),
    u16('pre_defined', 0),
  );
}

function hdlr(track: Track): Part {
  const name = new TextEncoder().encode(track.kind === 'video' ? 'VideoHandler\0' : 'SoundHandler\0');
  return box('hdlr',
    fullBoxHeader({ version: 0, flags: 0 }),
    u32('pre_defined', 0),
    fourcc('handler_type', track.kind === 'video' ? 'vide' : 'soun'),
    zeros('reserved', 12),
    bytes('name', name),
  );
}

function mediaHeader(track: Track): Part {
  if (track.kind === 'video') {
    return box('vmhd',
      fullBoxHeader({ version: 0, flags: 1 }),
      u16('graphicsmode', 0),
      zeros('opcolor', 6),
    );
  }
  return box('smhd',
    fullBoxHeader({ version: 0, flags: 0 }),
    u16('balance', 0),
    u16('reserved', 0),
  );
}

function dinf(): Part {
  return box('dinf',
    box('dref',
      fullBoxHeader({ version: 0, flags: 0 }),
      u32('entry_count', 1),
      box('url ', fullBoxHeader({ version: 0, flags: SELF_CONTAINED })),
    ),
  );
}

/** The source's configuration box, with its header put back. */
function configBox(track: Track): Part {
  return box(track.configBox.type, bytes('configuration', track.configBox.payload));
}

/** VisualSampleEntry (§12.1.3.2) with the source's avcC or hvcC. */
function visualEntry(video: VideoTrack): Part {
  return box(video.configBox.entryType,
    zeros('reserved', 6),
    u16('data_reference_index', 1),
    u16('pre_defined', 0),
    u16('reserved', 0),
    zeros('pre_defined', 12),
    u16('width', video.width),
    u16('height', video.height),
    u32('horizresolution', DPI_72),
    u32('vertresolution', DPI_72),
    u32('reserved', 0),
    u16('frame_count', 1),
    zeros('compressorname', 32),
    u16('depth', 0x0018),
    u16('pre_defined', 0xffff), // int(16) -1
    configBox(video),
  );
}

/** AudioSampleEntry (§12.2.3.2), version 0 whatever the source (QuickTime sound descriptions are not CMAF), with esds, dac3 or dec3. */
function audioEntry(audio: AudioTrack): Part {
  return box(audio.configBox.entryType,
    zeros('reserved', 6),
    u16('data_reference_index', 1),
    zeros('reserved', 8),
    u16('channelcount', audio.channelCount),
    u16('samplesize', 16),
    u16('pre_defined', 0),
    u16('reserved', 0),
    u32('samplerate', audio.sampleRate < 0x10000 ? audio.sampleRate * 0x10000 : 0),
    configBox(audio),
  );
}

function emptyTable(type: 'stts' | 'stsc' | 'stco'): Part {
  return box(type,
    fullBoxHeader({ version: 0, flags: 0 }),
    u32('entry_count', 0),
  );
}

function stbl(track: Track): Part {
  return box('stbl',
    box('stsd',
      fullBoxHeader({ version: 0, flags: 0 }),
      u32('entry_count', 1),
      track.kind === 'video' ? visualEntry(track) : audioEntry(track),
    ),
    emptyTable('stts'),
    emptyTable('stsc'),
    box('stsz',
      fullBoxHeader({ version: 0, flags: 0 }),
      u32('sample_size', 0),
      u32('sample_count', 0),
    ),
    emptyTable('stco'),
  );
}

function mvex(): Part {
  return box('mvex',
    box('trex',
      fullBoxHeader({ version: 0, flags: 0 }),
      u32('track_ID', CMAF_TRACK_ID),
      u32('default_sample_description_index', 1),
      u32('default_sample_duration', 0),
      u32('default_sample_size', 0),
      u32('default_sample_flags', 0),
    ),
  );
}

/** The init segment: the track's codec configuration and timescale, no samples. */
export function initSegment(track: Track): Uint8Array {
  return serialize(
    ftyp(),
    box('moov',
      mvhd(track),
      box('trak',
        tkhd(track),
        box('mdia',
          mdhd(track),
          hdlr(track),
          box('minf',
            mediaHeader(track),
            dinf(),
            stbl(track),
          ),
        ),
      ),
      mvex(),
    ),
  );
}

