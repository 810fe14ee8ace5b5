// Remote sources over HTTP: a real nginx serves the corpus, and the daemon must package it as it packages the same files from disk.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../daemon/cli/commands/check.js';
import { validateConfig } from '../../daemon/config.js';
import { BAD_MEDIA, GOOD_MEDIA, makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { startHttpOrigin, type HttpOrigin } from '../helpers/http-origin.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { checkHistogram, parsePrometheusText, sampleValue } from '../helpers/prom-text.js';

const SEGMENT_SEC = 2;
let origin: HttpOrigin;
let mediaDir: string;

beforeAll(async () => {
  await makeMedia([...Object.keys(GOOD_MEDIA), ...Object.keys(BAD_MEDIA)]);
  mediaDir = path.dirname(await mediaFile(Object.keys(GOOD_MEDIA)[0]));
  origin = await startHttpOrigin(mediaDir);
}, 300_000);
afterAll(async () => {
  await origin?.stop();
  await removeMediaDir();
});

const url = (name: string, file: string) => `/i/${encodeURIComponent(name)}/${file}`;

async function body(daemon: InProcessDaemon, urlPath: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await daemon.request(urlPath);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('the corpus from an HTTP origin', () => {
  let local: InProcessDaemon;
  let remote: InProcessDaemon;
  beforeAll(() => {
    local = inProcessDaemon({ media_root: mediaDir, segment_duration: SEGMENT_SEC });
    remote = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
  });
  afterAll(async () => {
    await local.filler.parsePool?.close();
    await remote.filler.parsePool?.close();
    await remote.filler.source.close();
  });

  it.each(Object.keys(GOOD_MEDIA))('packages %s byte for byte as from disk: media playlist, every segment and the masters', async (name) => {
    const playlist = await body(remote, url(name, 'index_0_av.m3u8'));
    const expected = await body(local, url(name, 'index_0_av.m3u8'));
    expect(playlist.status).toBe(200);
    expect(playlist.bytes.toString()).toBe(expected.bytes.toString());
    const segments = playlist.bytes.toString().split('\n').filter((line) => line.startsWith('segment'));
    for (const segment of segments) {
      const [got, want] = [await body(remote, url(name, segment)), await body(local, url(name, segment))];
      expect(got.status).toBe(200);
      expect(got.bytes.equals(want.bytes), segment).toBe(true);
    }
    for (const file of ['cmaf/master.m3u8', 'cmaf/manifest.mpd', 'master.m3u8']) {
      const [got, want] = [await body(remote, url(name, file)), await body(local, url(name, file))];
      expect(got.status, file).toBe(want.status);
      expect(got.bytes.toString(), file).toBe(want.bytes.toString());
    }
  }, 60_000);

  it.each(Object.entries(BAD_MEDIA))('refuses %s with the same status and code as from disk', async (name) => {
    const [got, want] = [await remote.request(url(name, 'index_0_av.m3u8')), await local.request(url(name, 'index_0_av.m3u8'))];
    expect(got.status).toBe(want.status);
    expect(await got.text()).toBe(await want.text());
  });

  it('answers 404 for an object the origin does not have, and caches nothing', async () => {
    const res = await remote.request(url('no-such-clip.mp4', 'index_0_av.m3u8'));
    expect(res.status).toBe(404);
    await expect(fs.access(path.join(remote.cacheDir, 'i', 'no-such-clip.mp4'))).rejects.toThrow();
  });
});

describe('an object replaced at the origin', () => {
  it('is a new package: the next miss after the change serves the new object, not the cached one', async () => {
    const source = await mediaFile('h264-bframes-25fps-aac48k-stereo.mp4');
    const other = await mediaFile('h264-60fps-aac44k-stereo.mp4');
    const name = 'replaced-at-origin.mp4';
    await fs.copyFile(source, path.join(mediaDir, name));
    const daemon = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
    const local = inProcessDaemon({ media_root: mediaDir, segment_duration: SEGMENT_SEC });
    try {
      const before = await (await daemon.request(url(name, 'index_0_av.m3u8'))).text();
      const firstPackage = daemon.store.packageBySource(name)!.id;
      await fs.copyFile(other, path.join(mediaDir, `.${name}`));
      await fs.rename(path.join(mediaDir, `.${name}`), path.join(mediaDir, name));
      // The daemon reuses an object's HEAD for a second: wait for the next one to see the new version.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const after = await (await daemon.request(url(name, 'segment2_0_av.ts'))).arrayBuffer();
      const want = await (await local.request(url(name, 'segment2_0_av.ts'))).arrayBuffer();
      expect(Buffer.from(after).equals(Buffer.from(want))).toBe(true);
      expect(daemon.store.packageBySource(name)!.id).not.toBe(firstPackage);
      expect(await (await daemon.request(url(name, 'index_0_av.m3u8'))).text()).not.toBe(before);
    } finally {
      await daemon.filler.parsePool?.close();
      await local.filler.parsePool?.close();
      await daemon.filler.source.close();
      await fs.rm(path.join(mediaDir, name), { force: true });
    }
  }, 60_000);
});

describe('/metrics with a remote media_root', () => {
  it('counts origin requests by result, the bytes received, their latency, and moov cache reads', async () => {
    const daemon = inProcessDaemon({ media_root: origin.mediaRoot, segment_duration: SEGMENT_SEC });
    try {
      const name = 'h264-bframes-25fps-aac48k-stereo.mp4';
      expect((await daemon.request(url(name, 'segment1_0_av.ts'))).status).toBe(200);
      expect((await daemon.request(url('missing.mp4', 'index_0_av.m3u8'))).status).toBe(404);
      const families = parsePrometheusText(await (await daemon.request('/metrics')).text());
      expect(sampleValue(families, 'casterpak_origin_requests_total', { result: 'ok' })).toBeGreaterThanOrEqual(3);
      expect(sampleValue(families, 'casterpak_origin_requests_total', { result: 'not_found' })).toBe(1);
      expect(sampleValue(families, 'casterpak_origin_bytes_total')).toBe(daemon.filler.source.stats!.bytes);
      expect(sampleValue(families, 'casterpak_origin_bytes_total')).toBeGreaterThan(0);
      expect(sampleValue(families, 'casterpak_moov_cache_reads_total', { result: 'miss' })).toBeGreaterThan(0);
      checkHistogram(families.get('casterpak_origin_request_duration_seconds')!);
    } finally {
      await daemon.filler.parsePool?.close();
      await daemon.filler.source.close();
    }
  });
});

describe('casterpakd check with a remote media_root', () => {
  it('says the origin answers, and names what is wrong in one line when it does not', async () => {
    const base = { cache_dir: mediaDir, state_dir: mediaDir, mode: 'standalone' };
    const good = (await runChecks(validateConfig({ ...base, media_root: origin.mediaRoot }))).find((l) => l.what === 'media_root')!;
    expect(good).toMatchObject({ ok: true });
    expect(good.detail).toContain(origin.mediaRoot);
    const down = (await runChecks(validateConfig({ ...base, media_root: 'http://127.0.0.1:9/media/' }))).find((l) => l.what === 'media_root')!;
    expect(down.ok).toBe(false);
    expect(down.detail).toMatch(/ECONNREFUSED/);
    expect(down.detail).not.toContain('\n');
  });
});
