// The daemon's logger: one JSON line per event (pino), or readable lines when a person watches a terminal.

import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';

/**
 * pino-pretty is loaded only for a terminal: a daemon under systemd or cron writes JSON and never needs
 * it (loaded, it adds 43 files and a few MB of resident memory). It is CommonJS, so `require` loads it
 * synchronously and createLogger stays synchronous.
 */
const prettyStream = (options: PrettyOptions): PrettyStream => (createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => PrettyStream)(options);

export type { Logger };

export interface LoggerOptions {
  /** Where lines go; standard error by default. */
  readonly destination?: NodeJS.WritableStream;
  /** Readable lines instead of JSON; by default, when the destination is a terminal. */
  readonly pretty?: boolean;
}

function isTerminal(stream: NodeJS.WritableStream): boolean {
  return (stream as NodeJS.WriteStream).isTTY === true;
}

export function createLogger(level: string, options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? process.stderr;
  const base = { level, base: { service: 'casterpakd' } };
  if (options.pretty ?? isTerminal(destination)) {
    // Synchronous, in this thread: a log line is never lost to a crash right after it.
    const stream = prettyStream({ destination: destination as DestinationStream, sync: true, colorize: isTerminal(destination), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
    return pino(base, stream);
  }
  return pino(base, destination as DestinationStream);
}

/** For tests and one-shot commands that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
