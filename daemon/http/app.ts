// The Hono app: the prefix route (miss → package → X-Accel-Redirect or the file itself) and /healthz. Thin.

import { constants, promises as fs } from 'node:fs';
import { Hono } from 'hono';
import type { CacheFiller } from '../cache/filler.js';
import { contentTypeOf, xAccelRedirectUri } from '../cache/paths.js';
import type { Config } from '../config.js';
import { isCasterpakError } from '../errors.js';
import type { Logger } from '../log.js';
import { parseBitrateFilter } from '../master/bitrate-filter.js';
import type { Store } from '../store/store.js';
import { mountPlayer } from './player.js';
import { isMasterRequest, parseRequestPath } from './request-path.js';
import { cacheControlFor, sendFile } from './send-file.js';

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
  readonly log: Logger;
}

export interface RequestStats {
  requests: number;
  byStatus: Record<number, number>;
}

/** The raw, still percent-encoded path: decoding happens exactly once, in parseRequestPath. */
function rawPathOf(c: { env: unknown; req: { url: string } }): string {
  const incoming = (c.env as { incoming?: { url?: string } } | undefined)?.incoming;
  const target = incoming?.url ?? new URL(c.req.url).pathname;
  return target.split('?')[0];
}

/** Headers of a playlist the daemon answers with itself; in nginx mode the drop-in adds the CORS header. */
function uncachedPlaylistHeaders(config: Config, cachePath: string): Record<string, string> {
  const contentType = contentTypeOf(cachePath);
  const headers: Record<string, string> = { 'Content-Type': contentType, 'Cache-Control': cacheControlFor(contentType) };
  if (config.mode === 'standalone') headers['Access-Control-Allow-Origin'] = '*';
  return headers;
}

export function createApp(deps: AppDeps): { app: Hono; stats: RequestStats } {
  const { config, store, filler, log } = deps;
  const stats: RequestStats = { requests: 0, byStatus: {} };
  const app = new Hono();

  app.use(async (c, next) => {
    stats.requests += 1;
    await next();
    stats.byStatus[c.res.status] = (stats.byStatus[c.res.status] ?? 0) + 1;
  });

  app.get('/healthz', async (c) => {
    try {
      store.db.prepare('SELECT 1').get();
      await fs.access(config.cacheDir, constants.W_OK);
    } catch (err) {
      return c.json({ status: 'unhealthy', reason: (err as Error).message }, 503);
    }
    return c.json({ status: 'ok', mode: config.mode, requests: stats.requests, misses: filler.stats.misses, packagerRuns: filler.stats.packagerRuns });
  });

  mountPlayer(app);

  app.on(['GET', 'HEAD'], `${config.urlPrefix}*`, async (c) => {
    const request = parseRequestPath(rawPathOf(c), config.urlPrefix);
    const bitrateFilter = c.req.query('b');
    if (bitrateFilter && isMasterRequest(request)) {
      // Akamai's ?b=: nginx sends these here (try_files never sees a query); answered directly, never cached.
      const text = await filler.filteredMaster(request, parseBitrateFilter(bitrateFilter));
      return c.body(text, 200, uncachedPlaylistHeaders(config, request.cachePath));
    }
    const filled = await filler.fill(request);
    if (config.mode === 'standalone') {
      store.recordAccesses([{ path: filled.cachePath, accessMs: Date.now(), hits: 1 }]);
      return sendFile(filled.absPath, filled.contentType, c.req.raw);
    }
    // rule 15: 200 with an empty body; nginx keeps Content-Type and serves the file from the internal location.
    return c.body(null, 200, {
      'X-Accel-Redirect': xAccelRedirectUri(config.internalPrefix, filled.cachePath),
      'Content-Type': filled.contentType,
    });
  });

  app.notFound((c) => c.text('not found\n', 404));

  app.onError((err, c) => {
    if (isCasterpakError(err)) {
      const level = err.status >= 500 ? 'error' : err.status === 422 ? 'warn' : 'debug';
      log[level]({ code: err.code, status: err.status, path: rawPathOf(c), ...err.details }, err.message);
      const body = err.status === 404 ? 'not found' : `${err.code}: ${err.message}`;
      return c.text(`${body}\n`, err.status as 400);
    }
    log.error({ err, path: rawPathOf(c) }, 'unexpected error');
    return c.text('internal error\n', 500);
  });

  return { app, stats };
}
