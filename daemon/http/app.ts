// The Hono app: the prefix route (miss → package → X-Accel-Redirect or the file itself), /healthz, and the operator's routes. Thin.

import { constants, promises as fs } from 'node:fs';
import { Hono } from 'hono';
import type { CacheFiller } from '../cache/filler.js';
import { contentTypeOf, xAccelRedirectUri } from '../cache/paths.js';
import type { Config } from '../config.js';
import { CasterpakError, isCasterpakError } from '../errors.js';
import { isMasterRequest } from '../layout/requests.js';
import type { Logger } from '../log.js';
import { parseBitrateFilter } from '../master/bitrate-filter.js';
import { createObservability, type Observability } from '../metrics/observability.js';
import { routeLabel } from '../metrics/route-label.js';
import type { TailerLagSource } from '../tail/lag.js';
import type { Store } from '../store/store.js';
import { operatorHostGuard } from './operator-hosts.js';
import { mountPlayer } from './player.js';
import { rawPathOf } from './raw-path.js';
import { parseRequestPath } from './request-path.js';
import { cacheControlFor } from './send-file.js';
import { serveItself } from './serve-itself.js';
import { mountStatus } from './status-routes.js';

/** Seconds a client told BUSY (503) waits before asking again: a queue of misses drains in about that. */
export const BUSY_RETRY_AFTER_SEC = 5;

export interface AppDeps {
  readonly config: Config;
  readonly store: Store;
  readonly filler: CacheFiller;
  readonly log: Logger;
  /** Shared with the server; made here when absent (in-process tests). */
  readonly observability?: Observability;
  readonly tailerLag?: TailerLagSource;
}

export interface RequestStats {
  requests: number;
  byStatus: Record<number, number>;
}

/** Headers of a playlist the daemon answers with itself; in nginx mode the drop-in adds the CORS header. */
function uncachedPlaylistHeaders(config: Config, cachePath: string): Record<string, string> {
  const contentType = contentTypeOf(cachePath);
  const headers: Record<string, string> = { 'Content-Type': contentType, 'Cache-Control': cacheControlFor(contentType) };
  if (config.mode === 'standalone') headers['Access-Control-Allow-Origin'] = '*';
  return headers;
}

export function createApp(deps: AppDeps): { app: Hono; stats: RequestStats; observability: Observability } {
  const { config, store, filler, log } = deps;
  const observability = deps.observability ?? createObservability({ config, store, filler, tailerLag: deps.tailerLag });
  const stats: RequestStats = { requests: 0, byStatus: {} };
  const app = new Hono();

  app.use(async (c, next) => {
    stats.requests += 1;
    await next();
    stats.byStatus[c.res.status] = (stats.byStatus[c.res.status] ?? 0) + 1;
    observability.metrics.observeRequest(routeLabel(rawPathOf(c), config.urlPrefix), c.res.status);
  });

  app.use(operatorHostGuard(config));

  app.get('/healthz', async (c) => {
    try {
      store.ping();
      await fs.access(config.cacheDir, constants.W_OK);
    } catch (err) {
      return c.json({ status: 'unhealthy', reason: (err as Error).message }, 503);
    }
    return c.json({
      status: 'ok',
      mode: config.mode,
      requests: stats.requests,
      misses: filler.stats.misses,
      packagerRuns: filler.stats.packagerRuns,
      // Workers started, and those ended by packaging_timeout or lost to parse_memory_limit (each replaced).
      parseWorkers: filler.parsePool?.stats,
    });
  });

  mountPlayer(app, { config, store, filler });
  mountStatus(app, { config, store, filler, observability });

  app.on(['GET', 'HEAD'], `${config.urlPrefix}*`, async (c) => {
    const request = parseRequestPath(rawPathOf(c), config.urlPrefix);
    const bitrateFilter = c.req.query('b');
    if (bitrateFilter && isMasterRequest(request)) {
      // Akamai's ?b=: nginx sends these here (try_files never sees a query); answered directly, never cached.
      const text = await filler.filteredMaster(request, parseBitrateFilter(bitrateFilter));
      return c.body(text, 200, uncachedPlaylistHeaders(config, request.cachePath));
    }
    if (config.mode === 'standalone') return serveItself({ config, store, filler }, request, c.req.raw);
    const filled = await filler.fill(request);
    if (filled.uncachedText !== undefined) return c.body(filled.uncachedText, 200, uncachedPlaylistHeaders(config, request.cachePath));
    // 200 with an empty body (docs/cache-and-log-rules.md#x-accel-200-empty): nginx keeps Content-Type and serves the file from the internal location.
    return c.body(null, 200, {
      'X-Accel-Redirect': xAccelRedirectUri(config.internalPrefix, filled.cachePath),
      'Content-Type': filled.contentType,
    });
  });

  app.notFound((c) => c.text('not found\n', 404));

  app.onError((thrown, c) => {
    // A name longer than the filesystem takes (255 bytes a component) that got past request parsing.
    const err = (thrown as NodeJS.ErrnoException).code === 'ENAMETOOLONG' ? new CasterpakError('BAD_PATH', 'a name in the path is too long for the filesystem', { reason: thrown.message }) : thrown;
    if (isCasterpakError(err)) {
      const level = err.status >= 500 ? 'error' : err.status === 422 ? 'warn' : 'debug';
      log[level]({ code: err.code, status: err.status, path: rawPathOf(c), ...err.details }, err.message);
      const body = err.status === 404 ? `not found: ${err.message}` : `${err.code}: ${err.message}`;
      // A full queue or a long wait clears within seconds: say when to come back (RFC 9110 §10.2.3).
      if (err.code === 'BUSY') c.header('Retry-After', String(BUSY_RETRY_AFTER_SEC));
      return c.text(`${body}\n`, err.status as 400);
    }
    log.error({ err, path: rawPathOf(c) }, 'unexpected error');
    return c.text('internal error\n', 500);
  });

  return { app, stats, observability };
}
