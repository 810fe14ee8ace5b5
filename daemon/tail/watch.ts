// chokidar on the log's directory, as a wake-up hint only: the timer poll is what guarantees progress.

import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { TailLogger } from './bad-line-log.js';

/**
 * Watches the directory, not the file: a watch on one file dies when the file is renamed (docs/cache-and-log-rules.md#tail-watch-hints).
 * No `awaitWriteFinish`: a busy log is never "finished". Events only wake the reader, which reads to the end.
 */
export async function watchLogDirectory(logPath: string, onHint: () => void, log: TailLogger): Promise<FSWatcher> {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  const watcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    persistent: false,
    ignored: (p: string) => p !== dir && !path.basename(p).startsWith(base),
  });
  watcher.on('all', () => onHint());
  watcher.on('error', (err) => log.warn({ err, dir }, 'access log: directory watch failed; polling continues'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return watcher;
}
