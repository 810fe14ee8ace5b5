// The status page's player: hls.js served from the installed package (never a CDN), and the preview route it plays from.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Hono } from 'hono';
import { PREVIEW_PREFIX } from '../metrics/route-label.js';
import { rawPathOf } from './raw-path.js';
import { parseRequestPath } from './request-path.js';
import { serveItself, type ServeDeps } from './serve-itself.js';
import { STATUS_PATH } from './status-page.js';

const require = createRequire(import.meta.url);

let hlsScript: string | undefined;
function hlsJs(): string {
  return (hlsScript ??= readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8'));
}

export function mountPlayer(app: Hono, deps: ServeDeps): void {
  app.get('/_casterpak/hls.min.js', (c) => c.body(hlsJs(), 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' }));
  // The older player address: the status page now holds the player.
  app.get('/_casterpak/player', (c) => c.redirect(`${STATUS_PATH}?play=${encodeURIComponent(c.req.query('src') ?? '')}#player`, 302));
  // `/_casterpak/play/i/clip.mp4/index_0_av.m3u8`: the rendition served by the daemon itself in either mode,
  // so the player works on the daemon's own address even where nginx answers the public URLs.
  app.on(['GET', 'HEAD'], `${PREVIEW_PREFIX}/*`, (c) => serveItself(deps, parseRequestPath(rawPathOf(c).slice(PREVIEW_PREFIX.length), deps.config.urlPrefix), c.req.raw));
}
