// The daemon sends a cache file itself (standalone mode, the status page's player) and records the access.

import type { CacheFiller } from '../cache/filler.js';
import type { Config } from '../config.js';
import { recordServed } from '../store/operator-queries.js';
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
  // No tailer sees these requests: they are counted here, as the tailer counts logged ones.
  const accessMs = Date.now();
  await deps.store.retryWhileLocked(() => recordServed(deps.store, { path: filled.cachePath, accessMs, hits: 1 }, !filled.generated));
  return sendFile(filled.absPath, filled.contentType, request);
}
