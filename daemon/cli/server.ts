// Starts `casterpakd serve`: directories, database, packager, HTTP listener; and stops it cleanly.

import { promises as fs } from 'node:fs';
import { CacheFiller, type FillerDeps } from '../cache/filler.js';
import { sweepTmp } from '../cache/publish.js';
import type { Config } from '../config.js';
import { createApp } from '../http/app.js';
import type { Logger } from '../log.js';
import { createObservability, type Observability } from '../metrics/observability.js';
import { createPackager } from '../packagers/index.js';
import { warmUpOn } from '../packagers/builtin/warm-up.js';
import { demoRenditionPath } from '../package-root.js';
import { Store } from '../store/store.js';
import { accessLogTailer } from '../tail/tailer.js';
import { createLimitedServer, listen } from './listen.js';

/** Longest a single SQLite call of the daemon blocks the event loop waiting for another process's lock. */
const DAEMON_BUSY_TIMEOUT_MS = 50;
/** Passes of the start-up warm-up over the demo rendition (see warmUpOn). */
const WARM_UP_ROUNDS = 20;

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

  const packager = createPackager(config, log);
  const packagerVersion = await packager.probe();
  // better-sqlite3 blocks while it waits for a lock: the daemon waits briefly there, then on a timer
  // (retryWhileLocked), so prune or a command holding the lock never stalls the event loop for long.
  const store = Store.open(config.stateDir, { busyTimeoutMs: DAEMON_BUSY_TIMEOUT_MS, lockWaitMs: config.sqliteLockWaitSec * 1000 });
  await store.retryWhileLocked(() => store.clearGenerationsOfPid(process.pid));
  // nginx serves hits without the daemon: its access log is the only witness (nginx mode only).
  const tailer = accessLogTailer(config, store, log);
  await tailer?.start();
  const filler = new CacheFiller({ config, store, packager, log, ...hooks });
  // Small sources are parsed on the event loop, large ones in the workers (started on demand): the
  // parse and mux code is compiled now rather than on the first request.
  const warmStartMs = performance.now();
  const warmed = await warmUpOn(demoRenditionPath(), { segmentDurationSec: config.segmentDurationSec, limits: config.limits, rounds: WARM_UP_ROUNDS });
  log.debug({ warmed, durationMs: Math.round(performance.now() - warmStartMs) }, 'parse and mux code warmed up');
  const observability = createObservability({ config, store, filler });
  const { app } = createApp({ config, store, filler, log, observability });

  const server = createLimitedServer(app.fetch);
  const address = await listen(server, config);
  log.info({ address, mode: config.mode, packager: packager.name, packagerVersion, mediaRoot: filler.source.root, source: filler.source.kind, cacheDir: config.cacheDir }, 'casterpakd listening');

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
      await filler.source.close();
      store.close();
    },
  };
}
