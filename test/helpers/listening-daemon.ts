// A whole daemon in this process on a real loopback port (startDaemon), over fresh media/cache/state folders.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FillerDeps } from '../../daemon/cache/filler.js';
import { validateConfig, type Config } from '../../daemon/config.js';
import { silentLogger } from '../../daemon/log.js';
import { startDaemon, type RunningDaemon } from '../../daemon/cli/server.js';
import { assertDistFresh } from './compiled.js';

export interface ListeningDaemon {
  readonly config: Config;
  readonly daemon: RunningDaemon;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly mediaRoot: string;
  /** The same config with `listen` set to the address the daemon got: what nginx's drop-in must point at. */
  readonly configForNginx: Config;
  stop(): Promise<void>;
}

/**
 * `raw` keys override the config (mode standalone unless told otherwise); the port is chosen by the kernel;
 * `hooks` go to the miss filler.
 */
export async function startListeningDaemon(raw: Record<string, unknown> = {}, hooks: Pick<FillerDeps, 'beforePublish'> = {}): Promise<ListeningDaemon> {
  // The builtin packager's parse workers run the compiled worker in dist/.
  assertDistFresh();
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-listening-'));
  const dirs = {
    media_root: path.join(top, 'media'),
    cache_dir: path.join(top, 'cache'),
    state_dir: path.join(top, 'state'),
    access_log: path.join(top, 'log', 'casterpak.access.log'),
  };
  for (const dir of [dirs.media_root, dirs.cache_dir, dirs.state_dir, path.dirname(dirs.access_log)]) mkdirSync(dir, { recursive: true });
  const keys = { ...dirs, mode: 'standalone', listen: '127.0.0.1:0', ...raw };
  const config = validateConfig(keys);
  const daemon = await startDaemon(config, silentLogger, hooks);
  const configForNginx = validateConfig({ ...keys, listen: daemon.address.replace(/^http:\/\//, '') });
  return {
    config,
    daemon,
    baseUrl: daemon.address,
    mediaRoot: config.mediaRoot,
    configForNginx,
    async stop() {
      await daemon.close();
      rmSync(top, { recursive: true, force: true });
    },
  };
}
