// The packager the config asks for, and the reader master playlists describe renditions with.

import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createBuiltinPackager, type BuiltinPackager } from './builtin.js';
import type { ParsePoolOptions } from './builtin/parse-pool.js';
import { createFfmpegPackager } from './ffmpeg.js';
import { createMp42hlsPackager } from './mp42hls.js';
import type { MoviePlanner, Packager } from './packager.js';

/** The parse workers' bounds: as many as packaging runs at once, each bounded in memory and time. */
function parsePoolOptions(config: Config): ParsePoolOptions {
  return { size: config.maxConcurrentPackaging, memoryLimitBytes: config.parseMemoryLimitBytes, timeoutSec: config.packagingTimeoutSec };
}

export function createPackager(config: Config, log?: Logger): Packager {
  const options = { segmentDurationSec: config.segmentDurationSec };
  switch (config.packager) {
    case 'ffmpeg':
      return createFfmpegPackager({ ...options, ffmpegPath: config.ffmpegPath });
    case 'mp42hls':
      return createMp42hlsPackager({ ...options, mp42hlsPath: config.mp42hlsPath });
    case 'builtin':
      return createBuiltinPackager({ ...options, parsePool: parsePoolOptions(config), limits: config.limits, log });
  }
}

/**
 * Master playlists describe renditions with the builtin reader and planner whatever packager makes
 * the segments (it reads only the moov): the builtin packager itself, sharing its cache of parsed
 * moovs, or a planner of its own next to ffmpeg or mp42hls (then the figures estimate builtin packaging).
 */
export function createMoviePlanner(config: Config, packager: Packager, log?: Logger): MoviePlanner {
  if (packager.name === 'builtin') return packager as BuiltinPackager;
  return createBuiltinPackager({ segmentDurationSec: config.segmentDurationSec, parsePool: parsePoolOptions(config), limits: config.limits, log });
}
