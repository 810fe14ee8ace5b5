// `casterpakd demo`: the daemon in standalone mode on the bundled demo rendition, no nginx and no config needed.

import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { renditionFilePath } from '../../layout/cache-paths.js';
import { DEMO_RENDITION, packageRoot } from '../../package-root.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';
import { serveUntilSignalled } from './serve.js';

export { DEMO_RENDITION };

export function demoDefaults(): Record<string, unknown> {
  const scratch = path.join(tmpdir(), 'casterpak-demo');
  return {
    media_root: path.join(packageRoot(), 'demo'),
    cache_dir: path.join(scratch, 'cache'),
    state_dir: path.join(scratch, 'state'),
    mode: 'standalone',
  };
}

export function registerDemo(program: Command): void {
  withConfigOptions(program.command('demo').description('play the bundled demo rendition: standalone mode, no nginx needed')).action(
    async (options: Record<string, unknown>) => {
      // Flags still win over the demo's defaults, so `casterpakd demo --listen 0.0.0.0:8081` works.
      const config = configFromOptions({ config: options.config ?? '/dev/null', ...options }, demoDefaults());
      const daemon = await serveUntilSignalled(config);
      // A cache path is the URL path without its leading slash.
      const playlist = `/${renditionFilePath(config.urlPrefix, DEMO_RENDITION, { kind: 'media-playlist' })}`;
      process.stdout.write(
        [
          '',
          'CasterPak demo is running (standalone mode, Ctrl-C to stop).',
          `  Watch it:      ${daemon.address}/_casterpak/?play=${encodeURIComponent(DEMO_RENDITION)}#player`,
          `  Playlist:      ${daemon.address}${playlist}`,
          `  Media root:    ${config.mediaRoot}`,
          `  Cache:         ${config.cacheDir}`,
          '',
        ].join('\n'),
      );
    },
  );
}
