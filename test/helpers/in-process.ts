// A whole daemon (real SQLite, real packager, real files) driven in-process through Hono's app.request().

import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CacheFiller, type FillerDeps } from '../../daemon/cache/filler.js';
import { validateConfig, type Config } from '../../daemon/config.js';
import { createApp } from '../../daemon/http/app.js';
import { silentLogger } from '../../daemon/log.js';
import { createPackager } from '../../daemon/packagers/index.js';
import { Store } from '../../daemon/store/store.js';
import { assertDistFresh } from './compiled.js';

export interface InProcessDaemon {
  readonly config: Config;
  readonly mediaRoot: string;
  readonly cacheDir: string;
  readonly store: Store;
  readonly filler: CacheFiller;
  request(urlPath: string, init?: RequestInit): Promise<Response>;
}

/** Fresh media/cache/state folders and a daemon over them; `raw` keys override the config; `hooks` go to the filler (`log`: where its lines go, silent by default). */
export function inProcessDaemon(raw: Record<string, unknown> = {}, hooks: Pick<FillerDeps, 'beforePublish'> & Partial<Pick<FillerDeps, 'log'>> = {}): InProcessDaemon {
  // The builtin packager's parse workers run the compiled worker in dist/.
  assertDistFresh();
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-daemon-'));
  const dirs = { media_root: path.join(top, 'media'), cache_dir: path.join(top, 'cache'), state_dir: path.join(top, 'state') };
  Object.values(dirs).forEach((dir) => mkdirSync(dir, { recursive: true }));
  // Never the default /var/log/nginx/casterpak.access.log: a test writing lines there feeds a real install's counters.
  const accessLog = path.join(top, 'log', 'casterpak.access.log');
  const config = validateConfig({ ...dirs, access_log: accessLog, mode: 'standalone', ...raw });
  const store = Store.open(config.stateDir);
  const filler = new CacheFiller({ config, store, packager: createPackager(config), log: silentLogger, ...hooks });
  const { app } = createApp({ config, store, filler, log: silentLogger });
  return {
    config,
    mediaRoot: config.mediaRoot,
    cacheDir: config.cacheDir,
    store,
    filler,
    request: (urlPath, init) => Promise.resolve(app.request(urlPath, init)),
  };
}
