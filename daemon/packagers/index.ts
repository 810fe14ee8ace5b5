// The packager the config asks for.

import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { createFfmpegPackager } from './ffmpeg.js';
import { createMp42hlsPackager } from './mp42hls.js';
import type { Packager } from './packager.js';

export function createPackager(config: Config): Packager {
  const options = { segmentDurationSec: config.segmentDurationSec };
  switch (config.packager) {
    case 'ffmpeg':
      return createFfmpegPackager({ ...options, ffmpegPath: config.ffmpegPath });
    case 'mp42hls':
      return createMp42hlsPackager({ ...options, mp42hlsPath: config.mp42hlsPath });
    case 'builtin':
      throw new CasterpakError('PACKAGER_UNAVAILABLE', 'packager "builtin" is not available in this build; set packager = "ffmpeg" or "mp42hls"', {});
  }
}
