// `casterpakd status` as text: cache size and cap, hit ratio, tailer lag, oldest and newest access, top renditions.

import { formatBytes } from '../units.js';
import type { CacheStatus } from './cache-status.js';

const BASIS_TEXT: Record<CacheStatus['hits']['basis'], string> = {
  'access-log': 'from the access log',
  served: 'as the daemon served them',
  'cache-files': 'on the files cached now',
};

function when(ms: number | null, nowMs: number): string {
  if (ms === null) return 'never';
  const ageSec = Math.max(0, (nowMs - ms) / 1000);
  const age = ageSec < 120 ? `${Math.round(ageSec)} s` : ageSec < 7200 ? `${Math.round(ageSec / 60)} min` : ageSec < 172_800 ? `${Math.round(ageSec / 3600)} h` : `${Math.round(ageSec / 86_400)} d`;
  return `${new Date(ms).toISOString()} (${age} ago)`;
}

function tailerLine(status: CacheStatus): string {
  const t = status.tailer;
  if (!t) return 'not used (standalone mode: the daemon records accesses itself)';
  if (!t.logExists) return 'no access log yet';
  if (!t.hasCursor) return 'has never read the access log (is casterpakd serve running?)';
  const state = t.bytesBehind === 0 ? 'caught up' : `${formatBytes(t.bytesBehind)} behind, oldest unread line ${Math.round(t.secondsBehind)} s old`;
  const bad = t.counters.bad > 0 ? `, ${t.counters.bad} unreadable lines` : '';
  return `${state}; cursor stamped ${Math.round(t.cursorAgeSec ?? 0)} s ago; ${t.counters.lines} lines read${bad}`;
}

export function formatStatus(status: CacheStatus, nowMs = Date.now()): string {
  const c = status.cache;
  const cap = c.maxSizeBytes === undefined ? 'no cap' : `of ${formatBytes(c.maxSizeBytes)} cap (${Math.round((c.bytes / c.maxSizeBytes) * 100)}%)`;
  const free = c.freeBytes === undefined ? '' : `, ${formatBytes(c.freeBytes)} free`;
  const h = status.hits;
  const ratio = h.ratio === null ? 'no requests yet' : `${(h.ratio * 100).toFixed(1)}%`;
  const lines = [
    `cache     ${formatBytes(c.bytes)} ${cap}, ${c.files} files, ${c.packages} packages${free}`,
    `hits      ${ratio} (${h.hits} hits, ${h.misses} misses; ${BASIS_TEXT[h.basis]})`,
    `tailer    ${tailerLine(status)}`,
    `access    oldest use ${when(status.access.oldestUseMs, nowMs)}; newest access ${when(status.access.newestAccessMs, nowMs)}`,
  ];
  if (status.topRenditions.length > 0) {
    lines.push('top renditions by hits', `  ${'hits'.padStart(8)}  ${'files'.padStart(6)}  ${'size'.padStart(10)}  source`);
    for (const r of status.topRenditions) lines.push(`  ${String(r.hits).padStart(8)}  ${String(r.files).padStart(6)}  ${formatBytes(r.bytes).padStart(10)}  ${r.source}`);
  }
  return `${lines.join('\n')}\n`;
}
