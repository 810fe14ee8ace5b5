import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createObservability } from '../../daemon/metrics/observability.js';
import { statusSnapshot } from '../../daemon/status/snapshot.js';
import { committedLagSource } from '../../daemon/tail/lag.js';
import { Tailer } from '../../daemon/tail/tailer.js';
import { inProcessDaemon } from '../helpers/in-process.js';

const line = (n: number) => `${JSON.stringify({ msec: `${1_700_000_000 + n}.000`, status: '200', request_uri: '/i/clip.mp4/segment1_0_av.ts', uri: '/i/clip.mp4/segment1_0_av.ts' })}\n`;

describe('the status snapshot', () => {
  it('takes the tailer lag from its one source, once per snapshot', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', mode: 'nginx' });
    const logPath = daemon.config.accessLog;
    mkdirSync(path.dirname(logPath), { recursive: true });
    writeFileSync(logPath, line(1) + line(2));
    const tailer = new Tailer({ store: daemon.store, logPath, context: daemon.config, watch: false, pollIntervalMs: 60_000 });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    const unread = line(3) + line(4);
    appendFileSync(logPath, unread);

    let measured = 0;
    const source = committedLagSource(daemon.config, daemon.store);
    const tailerLag = () => {
      measured += 1;
      return source();
    };
    const observability = createObservability({ config: daemon.config, store: daemon.store, filler: daemon.filler, tailerLag });
    try {
      const snapshot = await statusSnapshot({ config: daemon.config, store: daemon.store, filler: daemon.filler, observability });
      expect(measured).toBe(1);
      expect(snapshot.tailer).toMatchObject({ hasCursor: true, bytesBehind: Buffer.byteLength(unread) });
      expect(snapshot.tailer!.secondsBehind).toBeGreaterThan(3600);
    } finally {
      observability.stop();
    }
  });

  it('keeps the names status.json has always given the tailer lag', async () => {
    const daemon = inProcessDaemon({ packager: 'ffmpeg', mode: 'nginx' });
    const logPath = daemon.config.accessLog;
    mkdirSync(path.dirname(logPath), { recursive: true });
    writeFileSync(logPath, line(1));
    const tailer = new Tailer({ store: daemon.store, logPath, context: daemon.config, watch: false, pollIntervalMs: 60_000 });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    const body = (await (await daemon.request('/_casterpak/status.json')).json()) as { tailer: Record<string, number> };
    expect(Object.keys(body.tailer)).toEqual(['bytesBehind', 'secondsBehind', 'commitAgeSec']);
    expect(body.tailer).toMatchObject({ bytesBehind: 0, secondsBehind: 0 });
    const standalone = inProcessDaemon({ packager: 'ffmpeg' });
    expect(((await (await standalone.request('/_casterpak/status.json')).json()) as { tailer?: unknown }).tailer).toBeUndefined();
  });
});
