// The daemon's logger: one JSON line per event (pino), level from the config.

import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination: NodeJS.WritableStream = process.stderr): Logger {
  return pino({ level, base: { service: 'casterpakd' } }, destination);
}

/** For tests and one-shot commands that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
