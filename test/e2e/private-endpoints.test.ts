// What the nginx drop-in exposes: the URL prefix only. /metrics and the status page answer on the daemon's own address.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { get } from '../helpers/http.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { waitFor } from '../helpers/processes.js';
import { parsePrometheusText, sampleValue } from '../helpers/prom-text.js';

let served: ListeningDaemon;
let nginx: RunningNginx;
let daemonPort: number;

beforeAll(async () => {
  served = await startListeningDaemon({ packager: 'ffmpeg', segment_duration: 2, mode: 'nginx' });
  makeClip(path.join(served.mediaRoot, 'clip.mp4'), { durationSec: 3 });
  daemonPort = Number(new URL(served.baseUrl).port);
  nginx = await startNginx({ config: served.configForNginx });
});

afterAll(async () => {
  await nginx?.stop();
  await served?.stop();
});

/** Requests the daemon answered on its operator routes, from its own counters. */
async function operatorRequests(): Promise<Record<string, number>> {
  const families = parsePrometheusText((await get(daemonPort, '/metrics')).text());
  const total = (route: string) =>
    (families.get('casterpak_http_requests_total')?.samples ?? []).filter((s) => s.labels.route === route).reduce((sum, s) => sum + s.value, 0);
  return { metrics: total('metrics'), status: total('status'), preview: total('preview'), healthz: total('healthz'), other: total('other') };
}

const PRIVATE_PATHS = [
  '/metrics',
  '/healthz',
  '/_casterpak/',
  '/_casterpak',
  '/_casterpak/status.json',
  '/_casterpak/hls.min.js',
  '/_casterpak/play/i/clip.mp4/index_0_av.m3u8',
  '/i/../metrics',
  '/i/%2e%2e/_casterpak/',
  '/i/..%2f_casterpak/status.json',
  '/i/clip.mp4/../../metrics',
];

describe('the nginx drop-in', () => {
  it('serves the URL prefix and nothing of the daemon beyond it', async () => {
    expect((await get(nginx.port, '/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    const before = await operatorRequests();
    for (const privatePath of PRIVATE_PATHS) {
      const response = await get(nginx.port, privatePath);
      // The drop-in forwards only the URL prefix, and nginx resolves dot segments before matching it: 404 from nginx itself.
      expect(response.status, privatePath).toBe(404);
      expect(response.text()).not.toMatch(/casterpak_|<title>CasterPak status/);
    }
    const after = await operatorRequests();
    // Only the scrape that measured `before` was added: none of the requests above reached an operator route.
    expect(after).toEqual({ ...before, metrics: before.metrics + 1 });
  });

  it('leaves /metrics and the status page on the daemon’s own address', async () => {
    const metrics = await get(daemonPort, '/metrics');
    expect(metrics.status).toBe(200);
    // The one playlist miss of the test before; the refused private paths are not misses.
    expect(sampleValue(parsePrometheusText(metrics.text()), 'casterpak_misses_total')).toBe(1);
    const page = await get(daemonPort, '/_casterpak/');
    expect(page.status).toBe(200);
    expect(page.text()).toContain('<title>CasterPak status</title>');
  });
});

describe('the operator views behind nginx', () => {
  it('count the hits nginx served from its access log, each once, with the tailer caught up', async () => {
    // ffmpeg packaged the whole rendition on the playlist miss above: all six requests are hits.
    const segment = '/i/clip.mp4/segment1_0_av.ts';
    for (let i = 0; i < 6; i += 1) expect((await get(nginx.port, segment)).status).toBe(200);
    const status = await waitFor('the tailer to read the whole log', async () => {
      const body = JSON.parse((await get(daemonPort, '/_casterpak/status.json')).text()) as {
        hits: { hits: number; misses: number; basis: string };
        tailer?: { bytesBehind: number };
      };
      return body.hits.hits >= 6 && body.tailer?.bytesBehind === 0 ? body : undefined;
    });
    expect(status.hits.basis).toBe('access-log');
    // Exactly: a line counted twice (a re-read after a poll, say) would show 12 hits or 2 misses.
    expect(status.hits.hits).toBe(6);
    expect(status.hits.misses).toBe(1);
    const families = parsePrometheusText((await get(daemonPort, '/metrics')).text());
    expect(sampleValue(families, 'casterpak_cache_requests_total', { result: 'hit' })).toBe(status.hits.hits);
    expect(sampleValue(families, 'casterpak_tailer_active')).toBe(1);
    expect(sampleValue(families, 'casterpak_tailer_lag_bytes')).toBe(0);
  });
});

// After the hit counts above, which this request would race with.
describe('the daemon behind nginx', () => {
  it('packages misses for a viewer\'s public Host name (the daemon checks Host only on its operator routes)', async () => {
    // The drop-in forwards the viewer's Host; the daemon's Host check must not touch the prefix.
    makeClip(path.join(served.mediaRoot, 'other.mp4'), { durationSec: 3 });
    const before = sampleValue(parsePrometheusText((await get(daemonPort, '/metrics')).text()), 'casterpak_misses_total');
    const response = await get(nginx.port, '/i/other.mp4/index_0_av.m3u8', { Host: 'media.example.org' });
    expect(response.status).toBe(200);
    expect(response.text()).toMatch(/^#EXTM3U/);
    const after = sampleValue(parsePrometheusText((await get(daemonPort, '/metrics')).text()), 'casterpak_misses_total');
    expect(after).toBe(before + 1);
    expect((await get(daemonPort, '/metrics', { Host: 'media.example.org' })).status).toBe(421);
  });
});
