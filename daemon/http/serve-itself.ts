// The daemon sends a cache file itself (standalone mode, the status page's player) and records the access.

import type { CacheFiller } from '../cache/filler.js';
import type { Config } from '../config.js';
import { recordServed } from '../store/operator-queries.js';
import type { Store } from '../store/store.js';
import type { ParsedRequest } from './request-path.js';
import { sendFile } from './send-file.js';

export interface ServeDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
}

export async function serveItself(deps: ServeDeps, parsed: ParsedRequest, request: Request): Promise<Response> {
  const filled = await deps.filler.fill(parsed);
  // No tailer sees these requests: they are counted here, as the tailer counts logged ones.
  const accessMs = Date.now();
  await deps.store.retryWhileLocked(() => recordServed(deps.store, { path: filled.cachePath, accessMs, hits: 1 }, !filled.generated));
  return sendFile(filled.absPath, filled.contentType, request);
}
