// The packager the config asks for.

import type { Config } from '../config.js';
import { createBuiltinPackager } from './builtin.js';
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
      return createBuiltinPackager(options);
  }
}
