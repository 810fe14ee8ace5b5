import { mkdtempSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeErrors, makeClip, probeDurationSec } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';

const PLAYLIST = '/i/clip.mp4/index_0_av.m3u8';

/** Every regular file under a folder, relative, excluding the temporary area. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out;
}

describe.each(['ffmpeg', 'mp42hls'])('the miss path with the %s packager', (packager) => {
  const mp42hls = path.resolve('test/fixtures/bin/mp42hls');
  const make = (raw: Record<string, unknown> = {}) => inProcessDaemon({ packager, mp42hls_path: mp42hls, segment_duration: 2, ...raw });

  it('packages on the first playlist request, in the contract form, and every segment decodes', async () => {
    const daemon = make();
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 5 });
    const response = await daemon.request(PLAYLIST);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const text = await response.text();
    const lines = text.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual(['#EXTM3U', '#EXT-X-TARGETDURATION:2', '#EXT-X-ALLOW-CACHE:YES', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-VERSION:3', '#EXT-X-MEDIA-SEQUENCE:1']);
    expect(lines.at(-1)).toBe('#EXT-X-ENDLIST');
    const uris = lines.filter((l) => !l.startsWith('#'));
    expect(uris).toEqual(uris.map((_, i) => `segment${i + 1}_0_av.ts`));
    const playlistFile = path.join(daemon.cacheDir, 'i', 'clip.mp4', 'index_0_av.m3u8');
    expect(decodeErrors(playlistFile)).toBe('');
    expect(Math.abs(probeDurationSec(playlistFile) - 5)).toBeLessThan(1 / 25 + 0.03);
    const segment = await daemon.request('/i/clip.mp4/segment1_0_av.ts');
    expect(segment.status).toBe(200);
    expect(segment.headers.get('content-type')).toBe('video/mp2t');
    expect(new Uint8Array(await segment.arrayBuffer())[0]).toBe(0x47);
  });

  it('runs the packager once for 50 concurrent first requests, and all get the same playlist', async () => {
    const daemon = make();
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    const bodies = await Promise.all(Array.from({ length: 50 }, () => daemon.request(PLAYLIST).then((r) => r.text())));
    expect(new Set(bodies).size).toBe(1);
    expect(bodies[0]).toContain('#EXT-X-ENDLIST');
    expect(daemon.filler.stats.packagerRuns).toBe(1);
    expect(daemon.store.counts().packages).toBe(1);
  });

  it('answers a segment beyond the end with 404 without packaging again', async () => {
    const daemon = make();
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    await daemon.request(PLAYLIST);
    expect((await daemon.request('/i/clip.mp4/segment99_0_av.ts')).status).toBe(404);
    expect(daemon.filler.stats.packagerRuns).toBe(1);
  });

  it('answers a corrupt source with 422 and a reason, and caches nothing', async () => {
    const daemon = make();
    writeFileSync(path.join(daemon.mediaRoot, 'bad.mp4'), Buffer.alloc(4096, 7));
    const response = await daemon.request('/i/bad.mp4/index_0_av.m3u8');
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/^MP4_\w+: .+/);
    expect(filesUnder(daemon.cacheDir)).toEqual([]);
    expect(daemon.store.counts()).toEqual({ packages: 0, files: 0, bytes: 0 });
  });

  it('packages a replaced source again on the next miss', async () => {
    const daemon = make();
    const source = path.join(daemon.mediaRoot, 'clip.mp4');
    makeClip(source, { durationSec: 4 });
    const first = await (await daemon.request(PLAYLIST)).text();
    makeClip(source, { durationSec: 7 });
    utimesSync(source, new Date(), new Date(Date.now() + 5000));
    // nginx would send this request to the daemon only after the old file is gone; the daemon checks the source itself.
    const second = await (await daemon.request('/i/clip.mp4/segment4_0_av.ts')).status;
    expect(second).toBe(200);
    const playlist = await (await daemon.request(PLAYLIST)).text();
    expect(playlist).not.toBe(first);
    expect(playlist.match(/#EXTINF/g)?.length).toBe(4);
    expect(daemon.store.counts().packages).toBe(1);
  });
});

describe('a source replaced by a shorter encode, for a player holding the old playlist (builtin)', () => {
  it('gets the new encode\'s segments under the old URLs and 404 past its end, and the old files are gone', async () => {
    const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
    const source = path.join(daemon.mediaRoot, 'clip.mp4');
    makeClip(source, { durationSec: 8, gopFrames: 25, toneHz: 440 });
    const old = await (await daemon.request(PLAYLIST)).text();
    expect(old.match(/#EXTINF/g)).toHaveLength(4);
    for (let n = 1; n <= 4; n += 1) expect((await daemon.request(`/i/clip.mp4/segment${n}_0_av.ts`)).status).toBe(200);

    makeClip(source, { durationSec: 3, gopFrames: 25, toneHz: 880 });
    utimesSync(source, new Date(), new Date(Date.now() + 5000));
    // The player goes on with the URLs of the playlist it loaded.
    expect((await daemon.request('/i/clip.mp4/segment4_0_av.ts')).status).toBe(404);
    const first = Buffer.from(await (await daemon.request('/i/clip.mp4/segment1_0_av.ts')).arrayBuffer());
    const fresh = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
    makeClip(path.join(fresh.mediaRoot, 'clip.mp4'), { durationSec: 3, gopFrames: 25, toneHz: 880 });
    expect(first.equals(Buffer.from(await (await fresh.request('/i/clip.mp4/segment1_0_av.ts')).arrayBuffer()))).toBe(true);
    // The old package's segments 3 and 4 were unlinked with it: nothing of the longer encode is left to serve.
    expect(filesUnder(daemon.cacheDir).filter((f) => /segment[34]_0_av\.ts$/.test(f))).toEqual([]);
    expect((await (await daemon.request(PLAYLIST)).text()).match(/#EXTINF/g)).toHaveLength(2);
  });
});

describe('packager failures', () => {
  function scriptPackager(body: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'casterpak-fake-packager-'));
    const file = path.join(dir, 'mp42hls');
    writeFileSync(file, `#!/bin/sh\nif [ $# -eq 0 ]; then echo "fake Version 0"; exit 1; fi\n${body}\n`, { mode: 0o755 });
    return file;
  }

  it('answers 504 when packaging exceeds packaging_timeout, and caches nothing', async () => {
    const daemon = inProcessDaemon({ packager: 'mp42hls', mp42hls_path: scriptPackager('sleep 30'), packaging_timeout: '1s' });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 2 });
    const started = Date.now();
    const response = await daemon.request(PLAYLIST);
    expect(response.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(filesUnder(daemon.cacheDir)).toEqual([]);
  });

  it('answers 502 when the packager fails, and caches nothing', async () => {
    const daemon = inProcessDaemon({ packager: 'mp42hls', mp42hls_path: scriptPackager('echo "ERROR: out of cheese" >&2; exit 3') });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 2 });
    const response = await daemon.request(PLAYLIST);
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('out of cheese');
    expect(filesUnder(daemon.cacheDir)).toEqual([]);
  });

  it('answers 502 when the packager claims success but wrote no segments', async () => {
    const daemon = inProcessDaemon({ packager: 'mp42hls', mp42hls_path: scriptPackager('printf "#EXTM3U\\n#EXT-X-ENDLIST\\n" > "$4"') });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 2 });
    const response = await daemon.request(PLAYLIST);
    expect(response.status).toBe(502);
    expect(await response.text()).toContain('no segments');
  });
});

describe('standalone responses', () => {
  it('serves byte ranges, and answers missing sources and foreign shapes with 404', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', segment_duration: 2 });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 3 });
    const whole = new Uint8Array(await (await daemon.request('/i/clip.mp4/segment1_0_av.ts')).arrayBuffer());
    const ranged = await daemon.request('/i/clip.mp4/segment1_0_av.ts', { headers: { Range: 'bytes=188-375' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 188-375/${whole.length}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(whole.subarray(188, 376));
    // Segments at URLs a re-encode in place reuses are never immutable: the playlists' bounded lifetime.
    expect(ranged.headers.get('cache-control')).toBe('public, max-age=60');
    const beyond = await daemon.request('/i/clip.mp4/segment1_0_av.ts', { headers: { Range: `bytes=${whole.length}-` } });
    expect(beyond.status).toBe(416);
    expect((await daemon.request('/i/nope.mp4/index_0_av.m3u8')).status).toBe(404);
    expect((await daemon.request('/i/clip.mp4/whatever.txt')).status).toBe(404);
    expect((await daemon.request('/i/a%2Fb.mp4/index_0_av.m3u8')).status).toBe(400);
  });

  it('writes absolute segment URIs when public_base_url is set', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', segment_duration: 2, public_base_url: 'https://cdn.example.org/' });
    makeClip(path.join(daemon.mediaRoot, 'a b', 'clip é.mp4'), { durationSec: 3 });
    const text = await (await daemon.request('/i/a%20b/clip%20%C3%A9.mp4/index_0_av.m3u8')).text();
    expect(text).toContain('\nhttps://cdn.example.org/i/a%20b/clip%20%C3%A9.mp4/segment1_0_av.ts\n');
    expect(statSync(path.join(daemon.cacheDir, 'i', 'a b', 'clip é.mp4', 'segment1_0_av.ts')).size).toBeGreaterThan(0);
  });

  it('records the accesses it serves itself', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', segment_duration: 2 });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 3 });
    await daemon.request(PLAYLIST);
    await daemon.request(PLAYLIST);
    const row = daemon.store.fileByPath('i/clip.mp4/index_0_av.m3u8');
    expect(row?.hits).toBe(2);
    expect(row?.last_access_ms).toBeGreaterThan(Date.now() - 60_000);
  });
});
