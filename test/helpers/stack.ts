// The whole miss path for end-to-end tests: the daemon in nginx mode and a real nginx in front of it.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startDaemon, type DaemonOptions, type RunningDaemon } from './daemon.js';
import { get, type HttpResponse } from './http.js';
import { startNginx, type RunningNginx } from './nginx.js';

export interface Stack {
  daemon: RunningDaemon;
  nginx: RunningNginx;
  /** GET through nginx, the raw path sent as is. */
  get(rawPath: string, headers?: Record<string, string>): Promise<HttpResponse>;
  /** Lines of the casterpak access log, parsed. */
  logLines(): Array<Record<string, string>>;
  /** Every regular file under cache_dir (temporary ones included), relative, sorted. */
  cacheFiles(): string[];
  dispose(): Promise<void>;
}

function filesUnder(dir: string, base = dir): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const abs = path.join(dir, name);
    return statSync(abs).isDirectory() ? filesUnder(abs, base) : [path.relative(base, abs)];
  });
}

export async function startStack(options: DaemonOptions = {}): Promise<Stack> {
  const daemon = await startDaemon({ ...options, mode: 'nginx' });
  let nginx: RunningNginx;
  try {
    nginx = await startNginx({ config: daemon.config });
  } catch (err) {
    await daemon.dispose();
    throw err;
  }
  return {
    daemon,
    nginx,
    get: (rawPath, headers) => get(nginx.port, rawPath, headers),
    logLines: () =>
      readFileSync(daemon.config.accessLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, string>),
    cacheFiles: () => filesUnder(daemon.cacheDir).sort(),
    async dispose() {
      await nginx.stop();
      await daemon.dispose();
    },
  };
}
