// The S3 store the remote-source tests run against: a real RADOS Gateway starts, stores, serves byte ranges and stops clean.

import { readdirSync, readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../helpers/processes.js';
import { radosgwUnavailable, startRadosgw, STARTUP_BUDGET_MS, type RunningRadosgw } from '../helpers/radosgw.js';

const why = radosgwUnavailable();
if (why) console.warn(`radosgw store tests skipped: ${why}`);

/** Process ids whose command line mentions `dir` (every cluster process is started with its ceph.conf inside). */
function processesUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function rssMiB(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(line?.[1] ?? 0) / 1024);
}

describe('the RADOS Gateway test store', () => {
  let store: RunningRadosgw;
  const bytes = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

  beforeAll(async () => {
    if (why) return;
    const startedMs = Date.now();
    store = await startRadosgw();
    const { mon, osd, gateway } = store.pids;
    console.log(`radosgw store: started in ${((Date.now() - startedMs) / 1000).toFixed(1)} s; RSS mon ${rssMiB(mon)} MiB, osd ${rssMiB(osd)} MiB, radosgw ${rssMiB(gateway)} MiB`);
  }, STARTUP_BUDGET_MS);

  afterAll(async () => {
    await store?.stop();
  });

  it('stores an object and answers a byte range of it with exactly those bytes', async (ctx) => {
    if (why) return ctx.skip(why);
    await store.createBucket('media');
    const etag = await store.putObject('media', 'shows/clip 1.bin', bytes);
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    const head = await store.client.send(new HeadObjectCommand({ Bucket: 'media', Key: 'shows/clip 1.bin' }));
    expect(head.ContentLength).toBe(bytes.length);
    expect(head.ETag).toBe(etag);

    const ranged = await store.client.send(new GetObjectCommand({ Bucket: 'media', Key: 'shows/clip 1.bin', Range: 'bytes=100000-100999' }));
    expect(ranged.ContentRange).toBe(`bytes 100000-100999/${bytes.length}`);
    expect(Buffer.from(await ranged.Body!.transformToByteArray())).toEqual(Buffer.from(bytes.subarray(100_000, 101_000)));
  });

  it('uploads a local file by path', async (ctx) => {
    if (why) return ctx.skip(why);
    await store.createBucket('files');
    const file = new URL(import.meta.url).pathname;
    await store.putObject('files', 'this-test.ts', file);
    const got = await store.client.send(new GetObjectCommand({ Bucket: 'files', Key: 'this-test.ts' }));
    expect(await got.Body!.transformToString()).toBe(readFileSync(file, 'utf8'));
  });

  it('refuses a request signed with a wrong secret', async (ctx) => {
    if (why) return ctx.skip(why);
    const stranger = new S3Client({
      endpoint: store.endpoint,
      region: store.region,
      forcePathStyle: true,
      credentials: { accessKeyId: store.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    const refused = await stranger.send(new CreateBucketCommand({ Bucket: 'intruder' })).catch((err: unknown) => err);
    stranger.destroy();
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(403);
  });

  it('stops the gateway, the OSD and the monitor, leaving no process behind', async (ctx) => {
    if (why) return ctx.skip(why);
    const { dataDir, pids } = store;
    expect(processesUsing(dataDir).sort()).toEqual(expect.arrayContaining([pids.mon, pids.osd, pids.gateway].sort()));
    await store.stop();
    for (const pid of Object.values(pids)) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
  });
});
