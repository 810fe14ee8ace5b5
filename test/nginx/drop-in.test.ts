// The drop-in's behaviour in a real nginx, with a scripted upstream in the daemon's place answering as the contract says.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../daemon/config.js';
import { encodePath, get, request } from '../helpers/http.js';
import { startNginx, type RunningNginx } from '../helpers/nginx.js';
import { waitFor } from '../helpers/processes.js';

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-dropin-'));
const cacheDir = path.join(scratch, 'cache');
const accessLog = path.join(scratch, 'log', 'casterpak.access.log');
const seen: string[] = [];
let answer: Answer = (_req, res) => res.writeHead(404).end('not found\n');
let upstream: http.Server;
let nginx: RunningNginx | undefined;

function cacheFile(rel: string, content: string | Buffer): void {
  const file = path.join(cacheDir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** Answers a miss as the daemon does: 200, empty body, X-Accel-Redirect to the encoded cache path. */
function redirectTo(rel: string, contentType = 'video/mp2t', extra: Record<string, string> = {}): Answer {
  return (_req, res) => res.writeHead(200, { 'X-Accel-Redirect': `/casterpak-internal/${encodePath(rel)}`, 'Content-Type': contentType, ...extra }).end();
}

function logLines(): Array<Record<string, string>> {
  return readFileSync(accessLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, string>);
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    answer(req, res);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as AddressInfo).port;
  const config = validateConfig({ cache_dir: cacheDir, access_log: accessLog, listen: `127.0.0.1:${port}` });
  nginx = await startNginx({ config });
});

afterAll(async () => {
  await nginx?.stop();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  seen.length = 0;
  answer = (_req, res) => res.writeHead(404).end('not found\n');
});

const port = () => (nginx as RunningNginx).port;

describe('cache hits', () => {
  it('serves a cached playlist from disk with its type, CORS and a short cache lifetime, without asking the daemon', async () => {
    cacheFile('i/hit.mp4/index_0_av.m3u8', '#EXTM3U\n');
    const res = await get(port(), '/i/hit.mp4/index_0_av.m3u8');
    expect(res.status).toBe(200);
    expect(res.text()).toBe('#EXTM3U\n');
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(seen).toEqual([]);
  });

  it('serves a cached segment as video/mp2t with a bounded lifetime, never immutable, and honours Range requests', async () => {
    cacheFile('i/hit.mp4/segment1_0_av.ts', Buffer.alloc(188 * 10, 0x47));
    const res = await get(port(), '/i/hit.mp4/segment1_0_av.ts', { Range: 'bytes=188-375' });
    expect(res.status).toBe(206);
    expect(res.body.length).toBe(188);
    expect(res.headers['content-range']).toBe('bytes 188-375/1880');
    expect(res.headers['content-type']).toBe('video/mp2t');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['access-control-expose-headers']).toMatch(/Content-Range/);
    expect(seen).toEqual([]);
  });

  it('answers a revalidation with 304 while the segment is unchanged, and with the new file once it was replaced', async () => {
    cacheFile('i/reval.mp4/segment1_0_av.ts', Buffer.alloc(188 * 4, 0x47));
    const first = await get(port(), '/i/reval.mp4/segment1_0_av.ts');
    expect(first.status).toBe(200);
    const lastModified = String(first.headers['last-modified']);
    const etag = String(first.headers.etag);
    expect(lastModified).not.toBe('undefined');
    expect(etag).not.toBe('undefined');
    const validators: Array<Record<string, string>> = [{ 'If-Modified-Since': lastModified }, { 'If-None-Match': etag }];
    for (const validator of validators) {
      const again = await get(port(), '/i/reval.mp4/segment1_0_av.ts', validator);
      expect(again.status, JSON.stringify(validator)).toBe(304);
      expect(again.body.length).toBe(0);
    }
    // A replacement: another size and a later mtime (a new package's file), so neither validator matches.
    cacheFile('i/reval.mp4/segment1_0_av.ts', Buffer.alloc(188 * 6, 0x47));
    const later = new Date(Date.parse(lastModified) + 60_000);
    utimesSync(path.join(cacheDir, 'i/reval.mp4/segment1_0_av.ts'), later, later);
    const changed = await get(port(), '/i/reval.mp4/segment1_0_av.ts', { 'If-Modified-Since': lastModified, 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.length).toBe(188 * 6);
    expect(changed.headers['cache-control']).toBe('public, max-age=60');
    expect(seen).toEqual([]);
  });

  it('answers a CORS preflight itself', async () => {
    const res = await request({ port: port(), path: '/i/hit.mp4/index_0_av.m3u8', method: 'OPTIONS', headers: { Origin: 'https://player.example', 'Access-Control-Request-Method': 'GET' } });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toMatch(/GET/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Range/);
    expect(seen).toEqual([]);
  });
});

describe('misses', () => {
  it('sends a miss to the daemon and serves the file its X-Accel-Redirect names, with CORS and one Cache-Control', async () => {
    answer = (req, res) => {
      cacheFile('i/miss.mp4/segment2_0_av.ts', Buffer.alloc(376, 0x47));
      redirectTo('i/miss.mp4/segment2_0_av.ts')(req, res);
    };
    const res = await get(port(), '/i/miss.mp4/segment2_0_av.ts');
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(376);
    expect(res.headers['content-type']).toBe('video/mp2t');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.all('cache-control')).toEqual(['public, max-age=60']);
    expect(seen).toEqual(['/i/miss.mp4/segment2_0_av.ts']);
  });

  it('turns a redirect to a missing file into a 404 instead of a redirect loop', async () => {
    answer = redirectTo('i/gone.mp4/segment1_0_av.ts');
    const res = await get(port(), '/i/gone.mp4/segment1_0_av.ts');
    expect(res.status).toBe(404);
    expect(seen).toHaveLength(1);
  });

  it('never serves a temporary file, even when the daemon points at one', async () => {
    cacheFile('.tmp/partial.ts', Buffer.alloc(188, 0x47));
    answer = redirectTo('.tmp/partial.ts');
    const res = await get(port(), '/i/tmp.mp4/segment1_0_av.ts');
    expect(res.status).toBe(404);
  });

  it('serves names with spaces, non-ASCII letters, %, # and ? through the encoded redirect', async () => {
    const rel = 'i/dir é/my clip 100% #1?.mp4/index_0_av.m3u8';
    cacheFile(rel.replace('index', 'other'), 'unrelated');
    answer = (req, res) => {
      cacheFile(rel, '#EXTM3U\n#special\n');
      redirectTo(rel, 'application/vnd.apple.mpegurl')(req, res);
    };
    const res = await get(port(), `/${encodePath(rel)}?token=abc`);
    expect(res.status).toBe(200);
    expect(res.text()).toBe('#EXTM3U\n#special\n');
    expect(seen).toEqual([`/${encodePath(rel)}`]);
  });

  it('passes the daemon the path nginx matched, so a raw path cannot reach another route of the daemon', async () => {
    const res = await get(port(), '/i/a%2Fb/../../_casterpak/');
    expect(res.status).toBe(404);
    expect(seen).toEqual(['/i/_casterpak/']);
  });

  it('relays the daemon errors with their status, body and CORS, and without a cache lifetime', async () => {
    answer = (_req, res) => res.writeHead(422, { 'Content-Type': 'text/plain' }).end('not a usable MP4: no moov box\n');
    const res = await get(port(), '/i/bad.mp4/index_0_av.m3u8');
    expect(res.status).toBe(422);
    expect(res.text()).toBe('not a usable MP4: no moov box\n');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cache-control']).toBeUndefined();
  });
});

describe('query strings', () => {
  it('serves a cached segment asked for with ?b= as a hit, without asking the daemon', async () => {
    cacheFile('i/query.mp4/segment1_0_av.ts', Buffer.alloc(188, 0x47));
    for (const query of ['?b=1', '?b=300-800&x=1', '?token=abc']) {
      const res = await get(port(), `/i/query.mp4/segment1_0_av.ts${query}`);
      expect(res.status, query).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=60');
    }
    expect(seen).toEqual([]);
  });

  it('sends a miss with a query to the daemon without the query', async () => {
    answer = (req, res) => {
      cacheFile('i/querymiss.mp4/index_0_av.m3u8', '#EXTM3U\n');
      redirectTo('i/querymiss.mp4/index_0_av.m3u8', 'application/vnd.apple.mpegurl')(req, res);
    };
    expect((await get(port(), '/i/querymiss.mp4/index_0_av.m3u8?b=1&token=abc')).status).toBe(200);
    expect(seen).toEqual(['/i/querymiss.mp4/index_0_av.m3u8']);
  });

  it('sends ?b= on a master (MPEG-TS, CMAF HLS, DASH MPD) to the daemon, with the filter alone, even when the master is cached', async () => {
    const masters = [
      'i/m.mp4/master.m3u8', 'i/M.MOV/master.m3u8', 'i/shows/c_,1,2,p.mp4.csmil/master.m3u8',
      'i/m.mp4/cmaf/master.m3u8', 'i/m.mp4/cmaf/manifest.mpd', 'i/shows/c_,1,2,p.mp4.csmil/cmaf/master.m3u8', 'i/shows/c_,1,2,p.mp4.csmil/cmaf/manifest.mpd',
    ];
    for (const rel of masters) cacheFile(rel, '#EXTM3U\n#unfiltered\n');
    answer = (_req, res) => res.writeHead(200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'public, max-age=60' }).end('#EXTM3U\n#filtered\n');
    for (const rel of masters) {
      const res = await get(port(), `/${rel}?x=1&b=300-800`);
      expect(res.text(), rel).toBe('#EXTM3U\n#filtered\n');
      expect(res.all('cache-control')).toEqual(['public, max-age=60']);
    }
    expect(seen).toEqual(masters.map((rel) => `/${rel}?b=300-800`));
    seen.length = 0;
    expect((await get(port(), '/i/m.mp4/master.m3u8?x=1')).text()).toBe('#EXTM3U\n#unfiltered\n');
    expect((await get(port(), '/i/m.mp4/master.m3u8?b=')).text()).toBe('#EXTM3U\n#unfiltered\n');
    // A CMAF media playlist or segment is no master: ?b= there is a hit.
    cacheFile('i/m.mp4/cmaf/video.m3u8', '#EXTM3U\n#media\n');
    expect((await get(port(), '/i/m.mp4/cmaf/video.m3u8?b=1')).text()).toBe('#EXTM3U\n#media\n');
    expect(seen).toEqual([]);
  });

  it('passes the daemon 503 and its Retry-After through to the client', async () => {
    answer = (_req, res) => res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '5' }).end('BUSY: the packaging queue is full, try again\n');
    const res = await get(port(), '/i/busy.mp4/segment3_0_av.ts');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text()).toBe('BUSY: the packaging queue is full, try again\n');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('what the public server does not expose', () => {
  it.each(['/casterpak-internal/i/hit.mp4/index_0_av.m3u8', '/healthz', '/metrics', '/_casterpak/', '/i/../metrics'])(
    'answers 404 for %s without reaching the daemon',
    async (p) => {
      cacheFile('i/hit.mp4/index_0_av.m3u8', '#EXTM3U\n');
      const res = await get(port(), p);
      expect(res.status).toBe(404);
      expect(seen).toEqual([]);
    },
  );
});

describe('the access log', () => {
  it('writes one JSON object per request with the player URI, the served URI and whether the daemon was asked', async () => {
    cacheFile('i/log.mp4/index_0_av.m3u8', '#EXTM3U\n');
    answer = (req, res) => {
      cacheFile('i/log "quoted".mp4/segment1_0_av.ts', Buffer.alloc(188, 0x47));
      redirectTo('i/log "quoted".mp4/segment1_0_av.ts')(req, res);
    };
    await get(port(), '/i/log.mp4/index_0_av.m3u8');
    await get(port(), '/i/log%20%22quoted%22.mp4/segment1_0_av.ts');
    const lines = await waitFor('two log lines', () => {
      const found = logLines().filter((l) => l.request_uri.startsWith('/i/log'));
      return found.length >= 2 ? found : undefined;
    });
    const [hit, miss] = lines;
    expect(hit).toMatchObject({ status: '200', method: 'GET', uri: '/i/log.mp4/index_0_av.m3u8', upstream_addr: '', body_bytes_sent: '8' });
    expect(miss).toMatchObject({
      status: '200',
      request_uri: '/i/log%20%22quoted%22.mp4/segment1_0_av.ts',
      uri: '/casterpak-internal/i/log "quoted".mp4/segment1_0_av.ts',
      body_bytes_sent: '188',
    });
    expect(miss.upstream_addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Number(hit.msec)).toBeCloseTo(Date.now() / 1000, -2);
    expect(Number(miss.request_time)).toBeGreaterThanOrEqual(0);
  });
});
