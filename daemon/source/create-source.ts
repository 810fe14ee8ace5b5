// config `media_root` → the Source it names: a local directory, an HTTP(S) origin or an S3 bucket.

import path from 'node:path';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { localSource } from './local-source.js';
import { lazyOrigin } from './remote/lazy-origin.js';
import { httpObjectUrl, parseS3Url, s3Root } from './remote/origin.js';
import { OriginStats } from './remote/origin-stats.js';
import { remoteSource } from './remote/remote-source.js';
import type { Source } from './source.js';

/** The moov cache of remote sources, under state_dir. */
export function moovCacheDir(config: Config): string {
  return path.join(config.stateDir, 'moov-cache');
}

export function createSource(config: Config): Source {
  const root = config.mediaRoot;
  const stats = new OriginStats();
  // A request never outlasts the packaging run it serves.
  const timeoutMs = Math.min(config.originTimeoutSec, config.packagingTimeoutSec) * 1000;
  // The origins' modules load with their first request (see lazy-origin.ts).
  if (/^https?:\/\//.test(root)) {
    const origin = lazyOrigin({ kind: 'http', root, addressOf: (key) => httpObjectUrl(root, key) }, async () =>
      (await import('./remote/http-origin.js')).httpOrigin({ baseUrl: root, timeoutMs, stats }),
    );
    return remoteSource({ origin, stats, moovCacheDir: moovCacheDir(config) });
  }
  if (root.startsWith('s3://')) {
    const location = parseS3Url(root);
    if (!location) throw new CasterpakError('CONFIG_INVALID', `media_root: not an s3://bucket/prefix/ URL: ${root}`);
    const s3 = s3Root(location);
    const origin = lazyOrigin({ kind: 's3', root: s3, addressOf: (key) => s3 + key }, async () =>
      (await import('./remote/s3-origin.js')).s3Origin({ ...location, ...config.s3, timeoutMs, stats }),
    );
    return remoteSource({ origin, stats, moovCacheDir: moovCacheDir(config) });
  }
  return localSource(root);
}
