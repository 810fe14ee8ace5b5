// The status page's HTML, rendered from a snapshot (pure). Every value goes through `html`, which escapes it.

import type { MissRecord } from '../cache/recent-misses.js';
import type { StatusSnapshot } from '../status/snapshot.js';
import { formatAgeSec, formatBytes } from '../units.js';
import { html, type SafeHtml } from './html.js';

export const STATUS_PATH = '/_casterpak/';

function percent(fraction: number | undefined): string {
  return fraction === undefined ? '–' : `${(fraction * 100).toFixed(1)} %`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function ago(ms: number | null, nowMs: number): SafeHtml {
  if (ms === null) return html`never`;
  return html`<time datetime="${new Date(ms).toISOString()}">${formatAgeSec(Math.max(0, (nowMs - ms) / 1000))} ago</time>`;
}

/** A figure with its raw value kept in data-value, so scripts and tests read numbers, not formatted text. */
function figure(id: string, value: number | undefined, text: string): SafeHtml {
  return html`<strong id="${id}" data-value="${value ?? ''}">${text}</strong>`;
}

function cacheCard(s: StatusSnapshot): SafeHtml {
  const cap = s.cache.maxSizeBytes;
  const free = s.cache.freeBytes === undefined ? '' : html` · ${formatBytes(s.cache.freeBytes)} free on disk`;
  const of = cap === undefined ? html`<p class="sub">no size cap set${free}</p>` : html`<p class="sub">of ${formatBytes(cap)} (${percent(s.cache.bytes / cap)})${free}</p>`;
  const meter = cap === undefined ? '' : html`<meter id="cache-meter" min="0" max="${cap}" high="${cap * 0.9}" value="${Math.min(s.cache.bytes, cap)}"></meter>`;
  return html`<article class="card"><h2>Cache</h2>${figure('cache-bytes', s.cache.bytes, formatBytes(s.cache.bytes))}${of}${meter}
<p class="sub">${figure('cache-files', s.cache.files, String(s.cache.files))} files · ${figure('cache-packages', s.cache.packages, String(s.cache.packages))} renditions</p></article>`;
}

const BASIS_TEXT: Record<StatusSnapshot['hits']['basis'], string> = {
  'access-log': 'from the access log',
  served: 'as the daemon served them',
  'cache-files': 'on the files cached now',
};

function hitCard(s: StatusSnapshot): SafeHtml {
  const h = s.hits;
  const ratio = h.ratio ?? undefined;
  return html`<article class="card"><h2>Hit ratio</h2>${figure('hit-ratio', ratio, percent(ratio))}
<p class="sub">${figure('hits', h.hits, String(h.hits))} hits · ${figure('misses', h.misses, String(h.misses))} misses, ${BASIS_TEXT[h.basis]}</p></article>`;
}

function tailerCard(s: StatusSnapshot): SafeHtml {
  const lag = s.tailer;
  if (!lag) {
    const why = s.mode === 'standalone' ? 'standalone mode: the daemon counts what it serves' : 'no position in the access log yet';
    return html`<article class="card"><h2>Tailer lag</h2><strong id="tailer-lag" data-value="">–</strong><p class="sub">${why}</p></article>`;
  }
  const commit = lag.cursorAgeSec === undefined ? '' : html` · last commit ${formatAgeSec(lag.cursorAgeSec)} ago`;
  return html`<article class="card"><h2>Tailer lag</h2>${figure('tailer-lag', lag.secondsBehind, `${lag.secondsBehind.toFixed(1)} s`)}
<p class="sub">${figure('tailer-lag-bytes', lag.bytesBehind, formatBytes(lag.bytesBehind))} behind${commit}</p></article>`;
}

function packagingCard(s: StatusSnapshot): SafeHtml {
  const p = s.packaging;
  const mean = p.meanMs === undefined ? '–' : `${Math.round(p.meanMs)} ms`;
  return html`<article class="card"><h2>Packaging</h2>${figure('packaging-runs', p.runs, count(p.runs, 'run'))}
<p class="sub">mean ${mean} · ${formatBytes(p.bytesWritten)} written · ${count(p.singleFlightWaits, 'wait')} · since start</p></article>`;
}

function pruneCard(s: StatusSnapshot): SafeHtml {
  return html`<article class="card"><h2>Prune evicted</h2>${figure('prune-evicted-bytes', s.prune.bytesEvicted, formatBytes(s.prune.bytesEvicted))}
<p class="sub">in ${figure('prune-runs', s.prune.runs, String(s.prune.runs))} ${s.prune.runs === 1 ? 'run' : 'runs'} · last ${ago(s.prune.lastRunMs, s.generatedMs)}</p></article>`;
}

function eventLoopCard(s: StatusSnapshot): SafeHtml {
  const ms = (sec: number) => `${(sec * 1000).toFixed(1)} ms`;
  return html`<article class="card"><h2>Event-loop delay</h2>${figure('event-loop-p99', s.eventLoop.p99Sec, ms(s.eventLoop.p99Sec))}
<p class="sub">p99 · p50 ${ms(s.eventLoop.p50Sec)} · max ${ms(s.eventLoop.maxSec)} over ${formatAgeSec(s.eventLoop.windowSec)}</p></article>`;
}

function playLink(sourceRel: string): SafeHtml {
  return html`<a href="${STATUS_PATH}?play=${encodeURIComponent(sourceRel)}#player" data-play="${sourceRel}">${sourceRel}</a>`;
}

function topRow(s: StatusSnapshot, r: StatusSnapshot['topRenditions'][number]): SafeHtml {
  return html`<tr><td class="path">${playLink(r.source)}</td><td class="num" data-value="${r.hits}">${r.hits}</td><td class="num">${formatBytes(r.bytes)}</td><td class="num wide">${r.files}</td><td class="wide">${ago(r.lastAccessMs, s.generatedMs)}</td></tr>`;
}

function topTable(s: StatusSnapshot): SafeHtml {
  if (s.topRenditions.length === 0) return html`<p class="empty">Nothing cached yet.</p>`;
  return html`<div class="table-wrap"><table id="top-renditions"><thead><tr><th>Rendition</th><th class="num">Hits</th><th class="num">Size</th><th class="num wide">Files</th><th class="wide">Last access</th></tr></thead>
<tbody>${s.topRenditions.map((r) => topRow(s, r))}</tbody></table></div>`;
}

function missRow(s: StatusSnapshot, m: MissRecord): SafeHtml {
  const outcome = m.outcome === 'ok' ? html`<td>ok</td>` : html`<td class="bad">${m.outcome}</td>`;
  return html`<tr><td>${ago(m.atMs, s.generatedMs)}</td><td class="path">${m.cachePath}</td><td class="num" data-value="${m.durationMs}">${Math.round(m.durationMs)} ms</td><td class="num wide">${formatBytes(m.bytes)}</td><td class="wide">${m.packager}</td>${outcome}</tr>`;
}

function missesTable(s: StatusSnapshot): SafeHtml {
  if (s.recentMisses.length === 0) return html`<p class="empty">No misses since the daemon started.</p>`;
  return html`<div class="table-wrap"><table id="recent-misses"><thead><tr><th>When</th><th>Path</th><th class="num">Packaging</th><th class="num wide">Written</th><th class="wide">Packager</th><th>Result</th></tr></thead>
<tbody>${s.recentMisses.map((m) => missRow(s, m))}</tbody></table></div>`;
}

const PLAYER = html`<section id="player"><h2>Player</h2>
<form id="play-form" action="${STATUS_PATH}" method="get"><input id="play-path" name="play" autocomplete="off" spellcheck="false" placeholder="clip.mp4, clip.mp4/cmaf/master.m3u8, /i/clip.mp4/index_0_av.m3u8 or a full URL" aria-label="rendition path or playlist URL"><button>Play</button></form>
<video id="video" controls muted playsinline></video>
<label>Subtitles<select id="player-subtitles" disabled><option value="-1">Off</option></select></label>
<p id="audio-choice" hidden><label>Audio <select id="audio-track"></select></label></p>
<p id="player-state" role="status">Type a rendition path and press Play.</p></section>`;

export function renderStatusPage(s: StatusSnapshot): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CasterPak status</title>
<link rel="stylesheet" href="/_casterpak/status.css">
<link rel="icon" href="data:,">
</head>
<body>
<header><h1>CasterPak</h1><p class="meta">${s.version} · ${s.mode} mode · packager ${s.packager} · up ${formatAgeSec(s.uptimeSec)} · <a href="${STATUS_PATH}">refresh</a> · <a href="/metrics">metrics</a> · <a href="/_casterpak/status.json">json</a></p></header>
<main id="status" data-url-prefix="${s.urlPrefix}">
<section class="cards">${cacheCard(s)}${hitCard(s)}${tailerCard(s)}${packagingCard(s)}${pruneCard(s)}${eventLoopCard(s)}</section>
${PLAYER}
<section><h2>Top renditions by hits</h2>${topTable(s)}</section>
<section><h2>Recent misses</h2>${missesTable(s)}</section>
</main>
<script src="/_casterpak/hls.min.js"></script>
<script src="/_casterpak/status.js"></script>
</body>
</html>
`;
  return page.text;
}
