// The daemon sends a cache file itself (standalone mode, the status page's player) and records the access.

import type { CacheFiller } from '../cache/filler.js';
import type { Config } from '../config.js';
import { recordServed, touchServed } from '../store/operator-queries.js';
import type { Store } from '../store/store.js';
import type { ParsedRequest } from '../layout/requests.js';
import { cacheControlFor, sendFile } from './send-file.js';

export interface ServeDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
}

export async function serveItself(deps: ServeDeps, parsed: ParsedRequest, request: Request): Promise<Response> {
  const filled = await deps.filler.fill(parsed);
  if (filled.uncachedText !== undefined) {
    // Not in the cache (a master naming a missing rendition): nothing to record, the text is the answer.
    const headers = { 'Content-Type': filled.contentType, 'Cache-Control': cacheControlFor(filled.contentType), 'Access-Control-Allow-Origin': '*' };
    return new Response(request.method === 'HEAD' ? null : filled.uncachedText, { headers });
  }
  const access = { path: filled.cachePath, accessMs: Date.now() };
  // Standalone: no access log exists, so the daemon counts what it serves, as the tailer counts logged requests.
  // Behind nginx the hit counters are the access log's alone; the status page's player only keeps its file from
  // looking unused to prune.
  if (deps.config.mode === 'standalone') await deps.store.retryWhileLocked(() => recordServed(deps.store, { ...access, hits: 1 }, !filled.generated));
  else await deps.store.retryWhileLocked(() => touchServed(deps.store, access));
  return sendFile(filled.absPath, filled.contentType, request);
}
