// The operator's routes on the daemon's own address: /metrics, the status page, its assets and status.json.

import type { Hono } from 'hono';
import { statusJson, statusSnapshot, type SnapshotDeps } from '../status/snapshot.js';
import { STATUS_CSS, STATUS_JS } from './status-assets.js';
import { renderStatusPage, STATUS_PATH } from './status-page.js';

/**
 * Scripts and styles only from the daemon; media from blob: (hls.js feeds MediaSource); fetches anywhere, so the
 * player can also load a public nginx URL the operator pastes.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // data: for the empty `data:,WEBVTT` source hls.js gives each subtitle <track> element it adds.
  "media-src 'self' blob: data:",
  'connect-src *',
  'worker-src blob:',
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function mountStatus(app: Hono, deps: SnapshotDeps): void {
  const { metrics } = deps.observability;
  app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }));
  app.get('/_casterpak', (c) => c.redirect(STATUS_PATH, 301));
  app.get(STATUS_PATH, async (c) => c.html(renderStatusPage(await statusSnapshot(deps)), 200, PAGE_HEADERS));
  app.get('/_casterpak/status.json', async (c) => c.json(statusJson(await statusSnapshot(deps)), 200, { 'Cache-Control': 'no-store' }));
  app.get('/_casterpak/status.css', (c) => c.body(STATUS_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }));
  app.get('/_casterpak/status.js', (c) => c.body(STATUS_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }));
}
