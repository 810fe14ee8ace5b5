// /metrics and /_casterpak/ answer only to the names an operator uses: a rebinding page's own Host name gets 421.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { hostNameOf, isAllowedOperatorHost } from '../../daemon/http/operator-hosts.js';
import { makeClip } from '../helpers/clip.js';
import { get } from '../helpers/http.js';
import { startListeningDaemon, type ListeningDaemon } from '../helpers/listening-daemon.js';

let served: ListeningDaemon;
let port: number;

beforeAll(async () => {
  served = await startListeningDaemon({ operator_hosts: ['Media-Host.Internal'] });
  makeClip(path.join(served.mediaRoot, 'clip.mp4'), { durationSec: 3 });
  port = Number(new URL(served.baseUrl).port);
});

afterAll(async () => {
  await served?.stop();
});

const OPERATOR_PATHS = ['/metrics', '/_casterpak/', '/_casterpak', '/_casterpak/status.json', '/_casterpak/hls.min.js', '/_casterpak/play/i/clip.mp4/index_0_av.m3u8'];

describe('the Host check on operator endpoints', () => {
  it.each(OPERATOR_PATHS)('refuses %s under a foreign Host name with 421 and says how to allow it', async (operatorPath) => {
    const response = await get(port, operatorPath, { Host: 'rebind.attacker.example:8081' });
    expect(response.status).toBe(421);
    expect(response.text()).toMatch(/^HOST_NOT_ALLOWED: .*"rebind\.attacker\.example".*operator_hosts/);
    expect(response.text()).not.toMatch(/casterpak_|<html/i);
  });

  // Any port: an ssh tunnel's local port need not be the daemon's.
  it.each(['localhost', 'localhost:18081', '127.0.0.1:8081', '127.0.0.2', '[::1]:8081', 'media-host.internal:9181', 'MEDIA-HOST.internal'])(
    'answers the status page and /metrics under Host %s',
    async (host) => {
      expect((await get(port, '/metrics', { Host: host })).status).toBe(200);
      expect((await get(port, '/_casterpak/status.json', { Host: host })).status).toBe(200);
    },
  );

  it('leaves /healthz and the public prefix open to any Host (nginx forwards the viewer\'s)', async () => {
    expect((await get(port, '/healthz', { Host: 'media.example.org' })).status).toBe(200);
    const playlist = await get(port, '/i/clip.mp4/index_0_av.m3u8', { Host: 'media.example.org' });
    expect(playlist.status).toBe(200);
    expect(playlist.text()).toMatch(/^#EXTM3U/);
  });
});

describe('which Host names an operator endpoint answers to', () => {
  const config = (raw: Record<string, unknown>) => validateConfig({ ...raw });

  it('reads the name out of a Host header with or without a port, IPv6 in brackets', () => {
    expect(hostNameOf('Example.ORG:8081')).toBe('example.org');
    expect(hostNameOf('[::1]:8081')).toBe('::1');
    expect(hostNameOf('[::1]')).toBe('::1');
    expect(hostNameOf('localhost.')).toBe('localhost');
  });

  it('allows the listen host, and the machine\'s own addresses when listening on all of them', () => {
    expect(isAllowedOperatorHost('media-host', config({ listen: 'media-host:8081' }))).toBe(true);
    expect(isAllowedOperatorHost('10.9.8.7', config({ listen: '10.9.8.7:8081' }))).toBe(true);
    expect(isAllowedOperatorHost('10.9.8.7', config({ listen: '127.0.0.1:8081' }))).toBe(false);
    expect(isAllowedOperatorHost('evil.example', config({ listen: '0.0.0.0:8081' }))).toBe(false);
  });

  it('allows only loopback names for a unix socket, plus operator_hosts', () => {
    const socket = config({ listen: 'unix:/run/casterpak/casterpakd.sock', operator_hosts: 'metrics.lan, other.lan' });
    expect(isAllowedOperatorHost('localhost', socket)).toBe(true);
    expect(isAllowedOperatorHost('other.lan', socket)).toBe(true);
    expect(isAllowedOperatorHost('casterpakd', socket)).toBe(false);
  });
});
