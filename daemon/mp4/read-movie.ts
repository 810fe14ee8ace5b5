// The MP4 reader's entry point: find and read the moov (and a fragmented file's moofs) through a RangeReader, then parse them into a Movie.

import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../source-limits.js';
import { findChild } from './boxes.js';
import { FourCC } from './fourcc.js';
import { readFragments, trackDefaults } from './fragments.js';
import { locateMoov } from './locate-moov.js';
import { parseMovie } from './movie.js';
import type { Movie, RangeReader } from './types.js';

export interface ReadOptions {
  /** The [limits] the source must stay within (default: DEFAULT_SOURCE_LIMITS). */
  readonly limits?: SourceLimits;
  /** The target segment duration the source will be planned at, for limits.max_segments (default 10 s). */
  readonly segmentDurationSec?: number;
}

/** segment_duration's default: a caller that does not say plans at the config's default. */
export const DEFAULT_READ_SEGMENT_SEC = 10;

export async function readMovie(reader: RangeReader, options: ReadOptions = {}): Promise<Movie> {
  const limits = options.limits ?? DEFAULT_SOURCE_LIMITS;
  const { moov, endOffset } = await locateMoov(reader, limits);
  // mvex announces movie fragments (ISO/IEC 14496-12 §8.8.1): the samples are described by the moof boxes after the moov.
  const mvex = findChild(moov, FourCC.mvex);
  const fragments = mvex ? await readFragments(reader, { startOffset: endOffset, defaults: trackDefaults(mvex), limits }) : undefined;
  return parseMovie(moov, { fileSizeBytes: reader.sizeBytes, limits, segmentDurationSec: options.segmentDurationSec ?? DEFAULT_READ_SEGMENT_SEC, fragments });
}
