// Starts `casterpakd serve`: directories, database, packager, HTTP listener; and stops it cleanly.

import { chmodSync, promises as fs, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { CacheFiller, type FillerDeps } from '../cache/filler.js';
import { sweepTmp } from '../cache/publish.js';
import type { Config } from '../config.js';
import { createApp } from '../http/app.js';
import type { Logger } from '../log.js';
import { createObservability, type Observability } from '../metrics/observability.js';
import { createPackager } from '../packagers/index.js';
import { Store } from '../store/store.js';
import { accessLogTailer } from '../tail/tailer.js';

export interface RunningDaemon {
  /** `http://host:port` or `unix:/path`. */
  readonly address: string;
  readonly store: Store;
  readonly filler: CacheFiller;
  /** Metrics, event-loop monitor and tailer lag, as /metrics and the status page show them. */
  readonly observability: Observability;
  close(): Promise<void>;
}

/** `hooks` reach the miss filler (tests hold a packaging run at a chosen point with them). */
export async function startDaemon(config: Config, log: Logger, hooks: Pick<FillerDeps, 'beforePublish'> = {}): Promise<RunningDaemon> {
  await fs.mkdir(config.cacheDir, { recursive: true });
  await fs.mkdir(config.stateDir, { recursive: true });
  const swept = await sweepTmp(config.cacheDir);
  if (swept > 0) log.info({ swept }, 'removed temporary files left by an earlier run');

  const packager = createPackager(config);
  const packagerVersion = await packager.probe();
  const store = Store.open(config.stateDir);
  store.clearGenerationsOfPid(process.pid);
  // nginx serves hits without the daemon: its access log is the only witness (nginx mode only).
  const tailer = accessLogTailer(config, store, log);
  await tailer?.start();
  const filler = new CacheFiller({ config, store, packager, log, ...hooks });
  filler.parsePool?.warm();
  const observability = createObservability({ config, store, filler });
  const { app } = createApp({ config, store, filler, log, observability });

  const server = createAdaptorServer({ fetch: app.fetch });
  const address = await listen(server, config);
  log.info({ address, mode: config.mode, packager: packager.name, packagerVersion, mediaRoot: config.mediaRoot, cacheDir: config.cacheDir }, 'casterpakd listening');

  return {
    address,
    store,
    filler,
    observability,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      observability.stop();
      await tailer?.stop();
      await filler.parsePool?.close();
      store.close();
    },
  };
}

type NodeServer = ReturnType<typeof createAdaptorServer>;

function listen(server: NodeServer, config: Config): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (config.listen.kind === 'unix') {
      const socketPath = config.listen.path;
      rmSync(socketPath, { force: true });
      server.listen(socketPath, () => {
        // nginx's workers run as another user; the socket serves only what nginx already exposes.
        chmodSync(socketPath, 0o666);
        resolve(`unix:${socketPath}`);
      });
    } else {
      server.listen(config.listen.port, config.listen.host, () => {
        const { address, port } = server.address() as AddressInfo;
        resolve(`http://${address.includes(':') ? `[${address}]` : address}:${port}`);
      });
    }
  });
}
