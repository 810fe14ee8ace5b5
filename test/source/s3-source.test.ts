// Remote sources in S3: a real RADOS Gateway on loopback holds the corpus, and the daemon must package it as from disk.

import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../daemon/cli/commands/check.js';
import { validateConfig } from '../../daemon/config.js';
import { BAD_MEDIA, GOOD_MEDIA, makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { closeSourceFiles, sourceFileOf } from '../helpers/source-file.js';

type Harness = typeof import('../helpers/radosgw.js');
type Store = Awaited<ReturnType<Harness['startRadosgw']>>;

const HARNESS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/radosgw.ts');
const harness: Harness | undefined = existsSync(HARNESS) ? await import('../helpers/radosgw.js') : undefined;
const unavailable = harness ? harness.radosgwUnavailable() : 'the RADOS Gateway harness (test/helpers/radosgw.ts) is not in this tree';

const BUCKET = 'casterpak-media';
const PREFIX = 'renditions/';
const SEGMENT_SEC = 2;
const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;

let store: Store;
let mediaDir: string;
const savedEnv: Record<string, string | undefined> = {};

describe.skipIf(unavailable !== undefined)(`S3 sources${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const s3Keys = () => ({ media_root: `s3://${BUCKET}/${PREFIX}`, s3_endpoint: store.endpoint, s3_region: store.region, s3_force_path_style: true });
  const url = (name: string, file: string) => `/i/${encodeURIComponent(name)}/${file}`;
  const close = async (daemon: InProcessDaemon) => {
    await daemon.filler.parsePool?.close();
    await daemon.filler.source.close();
  };

  beforeAll(async () => {
    await makeMedia([...Object.keys(GOOD_MEDIA), ...Object.keys(BAD_MEDIA)]);
    mediaDir = path.dirname(await mediaFile(Object.keys(GOOD_MEDIA)[0]));
    store = await harness!.startRadosgw();
    // The daemon takes its credentials from the AWS SDK's default chain: here, the environment.
    for (const name of CREDENTIAL_VARS) savedEnv[name] = process.env[name];
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    process.env.AWS_ACCESS_KEY_ID = store.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = store.secretAccessKey;
    await store.createBucket(BUCKET);
    for (const name of [...Object.keys(GOOD_MEDIA), ...Object.keys(BAD_MEDIA)]) {
      await store.putObject(BUCKET, PREFIX + name, await fs.readFile(path.join(mediaDir, name)));
    }
  }, (harness?.STARTUP_BUDGET_MS ?? 0) + 300_000);
  afterAll(async () => {
    for (const name of CREDENTIAL_VARS) {
      if (savedEnv[name] === undefined) delete process.env[name];
      else process.env[name] = savedEnv[name];
    }
    await store?.stop();
    await removeMediaDir();
  }, 60_000);

  describe('the corpus from a bucket', () => {
    let local: InProcessDaemon;
    let remote: InProcessDaemon;
    beforeAll(() => {
      local = inProcessDaemon({ media_root: mediaDir, segment_duration: SEGMENT_SEC });
      remote = inProcessDaemon({ ...s3Keys(), segment_duration: SEGMENT_SEC });
    });
    afterAll(async () => {
      await close(local);
      await close(remote);
    });

    it.each(Object.keys(GOOD_MEDIA))('packages %s byte for byte as from disk: media playlist, every segment and the masters', async (name) => {
      const [playlist, expected] = [await remote.request(url(name, 'index_0_av.m3u8')), await local.request(url(name, 'index_0_av.m3u8'))];
      expect(playlist.status).toBe(200);
      const text = await playlist.text();
      expect(text).toBe(await expected.text());
      for (const segment of text.split('\n').filter((line) => line.startsWith('segment'))) {
        const got = Buffer.from(await (await remote.request(url(name, segment))).arrayBuffer());
        const want = Buffer.from(await (await local.request(url(name, segment))).arrayBuffer());
        expect(got.equals(want), segment).toBe(true);
      }
      for (const file of ['master.m3u8', 'cmaf/master.m3u8', 'cmaf/manifest.mpd']) {
        const [got, want] = [await remote.request(url(name, file)), await local.request(url(name, file))];
        expect(got.status, file).toBe(want.status);
        expect(await got.text(), file).toBe(await want.text());
      }
    }, 60_000);

    it.each(Object.keys(BAD_MEDIA))('refuses %s with the same status and reason as from disk', async (name) => {
      const [got, want] = [await remote.request(url(name, 'index_0_av.m3u8')), await local.request(url(name, 'index_0_av.m3u8'))];
      expect(got.status).toBe(want.status);
      expect(await got.text()).toBe(await want.text());
    });

    it('answers 404 for a key the bucket does not have', async () => {
      expect((await remote.request(url('no-such-clip.mp4', 'index_0_av.m3u8'))).status).toBe(404);
    });
  });

  it('packages an object that was overwritten as a new package', async () => {
    const name = 'overwritten.mp4';
    const daemon = inProcessDaemon({ ...s3Keys(), segment_duration: SEGMENT_SEC });
    const local = inProcessDaemon({ media_root: mediaDir, segment_duration: SEGMENT_SEC });
    try {
      await store.putObject(BUCKET, PREFIX + name, await fs.readFile(await mediaFile('h264-bframes-25fps-aac48k-stereo.mp4')));
      expect((await daemon.request(url(name, 'index_0_av.m3u8'))).status).toBe(200);
      const first = daemon.store.packageBySource(name)!.id;
      const other = 'h264-60fps-aac44k-stereo.mp4';
      await store.putObject(BUCKET, PREFIX + name, await fs.readFile(await mediaFile(other)));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const got = Buffer.from(await (await daemon.request(url(name, 'segment1_0_av.ts'))).arrayBuffer());
      const want = Buffer.from(await (await local.request(url(other, 'segment1_0_av.ts'))).arrayBuffer());
      expect(got.equals(want)).toBe(true);
      expect(daemon.store.packageBySource(name)!.id).not.toBe(first);
    } finally {
      await close(daemon);
      await close(local);
    }
  }, 60_000);

  it('fetches a new segment after a restart with at most 1.25 times its sample bytes plus 256 KiB', async () => {
    const name = 'h264-12s-gop.mp4';
    const first = inProcessDaemon({ ...s3Keys(), segment_duration: SEGMENT_SEC });
    expect((await first.request(url(name, 'index_0_av.m3u8'))).status).toBe(200);
    await close(first);
    const restarted = inProcessDaemon({ ...s3Keys(), segment_duration: SEGMENT_SEC, state_dir: first.config.stateDir, cache_dir: first.cacheDir });
    try {
      expect((await restarted.request(url(name, 'segment1_0_av.ts'))).status).toBe(200);
      const stats = restarted.filler.source.stats!;
      expect(stats.moovCache.misses).toBe(0);
      const packager = createBuiltinPackager({ segmentDurationSec: SEGMENT_SEC });
      const { sampleBytes } = (await packager.segmentPlan(await sourceFileOf(path.join(mediaDir, name)))).segments[0];
      await packager.parsePool.close();
      await closeSourceFiles();
      expect(stats.bytes).toBeGreaterThanOrEqual(sampleBytes);
      expect(stats.bytes).toBeLessThanOrEqual(1.25 * sampleBytes + 256 * 1024);
    } finally {
      await close(restarted);
    }
  }, 60_000);

  it('answers 502 when the S3 endpoint refuses connections, and 504 when it never answers, while /healthz stays up', async () => {
    const refusing = inProcessDaemon({ ...s3Keys(), s3_endpoint: 'http://127.0.0.1:9' });
    const sockets = new Set<net.Socket>();
    const hung = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const silent = inProcessDaemon({ ...s3Keys(), s3_endpoint: `http://127.0.0.1:${(hung.address() as net.AddressInfo).port}`, origin_timeout: '2s' });
    try {
      const startedMs = Date.now();
      expect((await refusing.request(url('clip.mp4', 'index_0_av.m3u8'))).status).toBe(502);
      expect((await silent.request(url('clip.mp4', 'index_0_av.m3u8'))).status).toBe(504);
      expect(Date.now() - startedMs).toBeLessThan(15_000);
      expect((await refusing.request('/healthz')).status).toBe(200);
    } finally {
      await close(refusing);
      await close(silent);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => hung.close(resolve));
    }
  }, 60_000);

  it('downloads the object whole for the ffmpeg packager, and packages it as from disk', async () => {
    const name = 'h264-no-bframes-30fps-aac44k-mono-faststart.mp4';
    const remote = inProcessDaemon({ ...s3Keys(), packager: 'ffmpeg', segment_duration: SEGMENT_SEC });
    const local = inProcessDaemon({ media_root: mediaDir, packager: 'ffmpeg', segment_duration: SEGMENT_SEC });
    try {
      const got = await remote.request(url(name, 'index_0_av.m3u8'));
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(await (await local.request(url(name, 'index_0_av.m3u8'))).text());
      // The whole object once, plus what the builtin reader vetting it first read (box headers, moov, probes).
      const { size } = await fs.stat(path.join(mediaDir, name));
      expect(remote.filler.source.stats!.bytes).toBeGreaterThanOrEqual(size);
      expect(remote.filler.source.stats!.bytes).toBeLessThan(size + 64 * 1024);
    } finally {
      await close(remote);
      await close(local);
    }
  }, 60_000);

  it('casterpakd check lists the bucket, and says in one line when the bucket or the credentials are wrong', async () => {
    const base = { cache_dir: mediaDir, state_dir: mediaDir, mode: 'standalone' };
    const line = async (raw: Record<string, unknown>) => (await runChecks(validateConfig({ ...base, ...raw }))).find((l) => l.what === 'media_root')!;
    const good = await line(s3Keys());
    expect(good.ok).toBe(true);
    expect(good.detail).toContain(`s3://${BUCKET}/${PREFIX}`);
    const noBucket = await line({ ...s3Keys(), media_root: 's3://no-such-bucket/x/' });
    expect(noBucket.ok).toBe(false);
    expect(noBucket.detail).toMatch(/HTTP 404.*NoSuchBucket/);
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong';
    try {
      const badKey = await line(s3Keys());
      expect(badKey.ok).toBe(false);
      expect(badKey.detail).toMatch(/HTTP 403/);
      expect(badKey.detail).not.toContain('\n');
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = store.secretAccessKey;
    }
  }, 60_000);
});
