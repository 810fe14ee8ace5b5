// What the MP4 reader hands to the planner and the muxer: tracks with codec configs and columnar sample tables.

export type VideoCodec = 'avc' | 'hevc';
export type AudioCodec = 'aac' | 'mp3' | 'ac3' | 'eac3';

/**
 * The sample entry's type and its codec configuration box (avcC, hvcC, esds, dac3, dec3) as stored,
 * so a fragmented MP4 init segment can describe the track with the very same bytes.
 */
export interface CodecConfigBox {
  /** The sample entry's four-character code: avc1, avc3, hvc1, hev1, mp4a, ac-3, ec-3. */
  readonly entryType: string;
  /** The configuration box's four-character code. */
  readonly type: string;
  /** The configuration box's payload (after its 8-byte header), copied out of the moov. */
  readonly payload: Uint8Array;
}

/** What a video sample entry (stsd) says: the codec, the picture size and the parameter sets. */
export interface VideoEntry {
  readonly codec: VideoCodec;
  readonly width: number;
  readonly height: number;
  /** Bytes of each NAL unit's length prefix (from avcC/hvcC lengthSizeMinusOne + 1). */
  readonly nalLengthSize: number;
  /** Parameter sets from avcC/hvcC, NAL units without start codes or length prefixes. */
  readonly vps: Uint8Array[];
  readonly sps: Uint8Array[];
  readonly pps: Uint8Array[];
  /** RFC 6381 codec string, e.g. avc1.64001f, hvc1.1.6.L93.B0, mp4a.40.2, mp4a.40.34, ac-3, ec-3. */
  readonly codecString: string;
  readonly configBox: CodecConfigBox;
}

/** What an audio sample entry (stsd) says: the codec, its rate and channels, and the AAC config. */
export interface AudioEntry {
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channelCount: number;
  /** AAC AudioSpecificConfig from esds (AAC only). */
  readonly audioSpecificConfig?: Uint8Array;
  /** RFC 6381 codec string, e.g. avc1.64001f, hvc1.1.6.L93.B0, mp4a.40.2, mp4a.40.34, ac-3, ec-3. */
  readonly codecString: string;
  readonly configBox: CodecConfigBox;
}

/**
 * One track's samples, column by column (typed arrays keep a 3-hour rendition's tables small).
 * Index i describes sample i in decode order. Times are in the track's own timescale.
 */
export interface SampleTable {
  readonly count: number;
  /** Absolute file offset of each sample (Float64 so >4 GiB files stay exact up to 2^53). */
  readonly offsets: Float64Array;
  readonly sizes: Uint32Array;
  /** Decode time of each sample, from stts, starting at 0. */
  readonly dts: Float64Array;
  /** Composition offset (ctts; signed for v1), so pts = dts + cts. Zero when there is no ctts. */
  readonly cts: Int32Array;
  /** Duration of each sample (stts delta). */
  readonly durations: Uint32Array;
  /** 1 when stss marks the sample as sync (or when there is no stss: every sample is sync). */
  readonly sync: Uint8Array;
}

/**
 * The edit list reduced to one rule, applied identically to every track:
 * presentation time = (media time - mediaStartTicks) + emptyDelayTicks, in the track's timescale.
 * `emptyDelayTicks` comes from leading empty edits (converted from the movie timescale);
 * `mediaStartTicks` from the first media edit's media_time (signed; -1 means empty edit).
 * `mediaDurationTicks`, when the edit says how long it lasts, ends the presentation there
 * (media after it is cut); `ignoredEdits` counts the edits after it that are not applied.
 */
export interface EditShift {
  readonly emptyDelayTicks: number;
  readonly mediaStartTicks: number;
  readonly mediaDurationTicks?: number;
  readonly ignoredEdits?: number;
}

interface TrackBase {
  readonly id: number;
  readonly timescale: number;
  /** Media duration from mdhd, in the track's timescale. */
  readonly durationTicks: number;
  readonly edit: EditShift;
  readonly samples: SampleTable;
  /** BCP 47 language from mdhd or elng (absent for `und`); see track-labels.ts. */
  readonly language?: string;
  /** The track's own name (udta/name, or a hdlr name that is not a tool's generic one). */
  readonly title?: string;
}

/** A video track: its header and samples, and what its sample entry says. */
export interface VideoTrack extends TrackBase, VideoEntry {
  readonly kind: 'video';
}

/** An audio track: its header and samples, and what its sample entry says. */
export interface AudioTrack extends TrackBase, AudioEntry {
  readonly kind: 'audio';
}

export type Track = VideoTrack | AudioTrack;

export interface Movie {
  readonly timescale: number;
  readonly durationTicks: number;
  /** At most one video and one audio track are packaged: the enabled one of each kind (see track-choice.ts). */
  readonly video?: VideoTrack;
  readonly audio?: AudioTrack;
  /**
   * Every usable audio track in file order when there are several (`audio` is one of them, the default):
   * each becomes an audio rendition of its own. Absent with one audio track or none.
   */
  readonly audioTracks?: readonly AudioTrack[];
  readonly fileSizeBytes: number;
  /** What the reader chose or left out (a track among several, edits not applied), for the log. */
  readonly notes?: readonly string[];
}

/** The audio tracks a rendition offers, in file order: all of them, or its one audio track. */
export function audioTracksOf(movie: Movie): readonly AudioTrack[] {
  return movie.audioTracks ?? (movie.audio ? [movie.audio] : []);
}

/** Ranged reads: the reader never loads a whole file. */
export interface RangeReader {
  readonly sizeBytes: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}
