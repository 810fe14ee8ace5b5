// What the nginx drop-in exposes: the URL prefix only. /metrics and the status page answer on the daemon's own address.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { get } from '../helpers/http.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
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
      expect([400, 404], `${privatePath} answered ${response.status}`).toContain(response.status);
      expect(response.text()).not.toMatch(/casterpak_|<title>CasterPak status/);
    }
    const after = await operatorRequests();
    // Only the scrape that measured `before` was added: none of the requests above reached an operator route.
    expect(after).toEqual({ ...before, metrics: before.metrics + 1 });
  });

  it('leaves /metrics and the status page on the daemon’s own address', async () => {
    const metrics = await get(daemonPort, '/metrics');
    expect(metrics.status).toBe(200);
    expect(sampleValue(parsePrometheusText(metrics.text()), 'casterpak_misses_total')).toBeGreaterThanOrEqual(1);
    const page = await get(daemonPort, '/_casterpak/');
    expect(page.status).toBe(200);
    expect(page.text()).toContain('<title>CasterPak status</title>');
  });
});
