// `casterpakd serve`: run the daemon until SIGTERM/SIGINT.

import type { Command } from 'commander';
import type { Config } from '../../config.js';
import { createLogger, type Logger } from '../../log.js';
import { startDaemon, type RunningDaemon } from '../server.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';

/** Starts the daemon and stops it on the first SIGTERM or SIGINT. */
export async function serveUntilSignalled(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningDaemon> {
  const daemon = await startDaemon(config, log);
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    daemon.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return daemon;
}

export function registerServe(program: Command): void {
  withConfigOptions(program.command('serve').description('run the daemon: package misses, answer nginx, track accesses')).action(
    async (options: Record<string, unknown>) => {
      await serveUntilSignalled(configFromOptions(options));
    },
  );
}
