// The daemon sends a cache file itself (standalone mode, the status page's player) and records the access.

import type { CacheFiller } from '../cache/filler.js';
import type { Config } from '../config.js';
import { recordServed, touchServed } from '../store/operator-queries.js';
import type { Store } from '../store/store.js';
import type { ParsedRequest } from '../layout/requests.js';
import { sendFile } from './send-file.js';

export interface ServeDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
}

export async function serveItself(deps: ServeDeps, parsed: ParsedRequest, request: Request): Promise<Response> {
  const filled = await deps.filler.fill(parsed);
  const access = { path: filled.cachePath, accessMs: Date.now() };
  // Standalone: no access log exists, so the daemon counts what it serves, as the tailer counts logged requests.
  // Behind nginx the hit counters are the access log's alone; the status page's player only keeps its file from
  // looking unused to prune.
  if (deps.config.mode === 'standalone') recordServed(deps.store, { ...access, hits: 1 }, !filled.generated);
  else touchServed(deps.store, access);
  return sendFile(filled.absPath, filled.contentType, request);
}
