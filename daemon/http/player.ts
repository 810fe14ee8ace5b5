// A small player page on the daemon itself: hls.js served from the installed package, never from a CDN.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Hono } from 'hono';

const require = createRequire(import.meta.url);

let hlsScript: string | undefined;
function hlsJs(): string {
  return (hlsScript ??= readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function playerPage(src: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CasterPak player</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; margin: 0; padding: 1rem; background: #111; color: #eee; }
  main { max-width: 960px; margin: auto; }
  form { display: flex; gap: .5rem; margin-bottom: 1rem; }
  input { flex: 1; padding: .5rem; font: inherit; }
  video { width: 100%; background: #000; aspect-ratio: 16 / 9; }
  #state { color: #9c9; font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<main>
  <h1>CasterPak player</h1>
  <form><input id="src" name="src" value="${escapeHtml(src)}" aria-label="playlist path"><button>Play</button></form>
  <video id="video" controls muted playsinline></video>
  <p id="state">idle</p>
</main>
<script src="/_casterpak/hls.min.js"></script>
<script>
  const video = document.getElementById('video');
  const state = document.getElementById('state');
  const src = new URLSearchParams(location.search).get('src');
  if (src) {
    if (window.Hls && Hls.isSupported()) {
      const hls = new Hls();
      hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) state.textContent = 'error: ' + data.details; });
      hls.loadSource(src);
      hls.attachMedia(video);
      window.casterpakHls = hls;
    } else {
      video.src = src;
    }
    video.addEventListener('timeupdate', () => { state.textContent = 'playing ' + video.currentTime.toFixed(1) + ' s'; });
    video.addEventListener('ended', () => { state.textContent = 'ended at ' + video.currentTime.toFixed(1) + ' s'; });
    video.play().catch(() => {});
  }
</script>
</body>
</html>
`;
}

export function mountPlayer(app: Hono): void {
  app.get('/_casterpak/hls.min.js', (c) => c.body(hlsJs(), 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=86400' }));
  app.get('/_casterpak/player', (c) => c.html(playerPage(c.req.query('src') ?? '')));
}
