// The status page player's requests: counted by the daemon only where no access log exists.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCounters } from '../../daemon/tail/tail-state.js';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';

function fileRow(daemon: ReturnType<typeof inProcessDaemon>, cachePath: string): { hits: number; last_access_ms: number | null } {
  return daemon.store.db.prepare('SELECT hits, last_access_ms FROM cache_files WHERE path = ?').get(cachePath) as { hits: number; last_access_ms: number | null };
}

describe('what the status page player counts', () => {
  it('behind nginx, moves the last access of what it plays but adds no hit or miss: those are the access log\'s', async () => {
    const daemon = inProcessDaemon({ mode: 'nginx' });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 3 });
    const startMs = Date.now();
    expect((await daemon.request('/_casterpak/play/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect((await daemon.request('/_casterpak/play/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect(loadCounters(daemon.store)).toMatchObject({ hits: 0, misses: 0 });
    const row = fileRow(daemon, 'i/clip.mp4/index_0_av.m3u8');
    expect(row.hits).toBe(0);
    expect(row.last_access_ms).toBeGreaterThanOrEqual(startMs);
  });

  it('in standalone mode, where there is no access log, counts the miss then the hit it served', async () => {
    const daemon = inProcessDaemon({ mode: 'standalone' });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 3 });
    expect((await daemon.request('/_casterpak/play/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect((await daemon.request('/_casterpak/play/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    expect(loadCounters(daemon.store)).toMatchObject({ hits: 1, misses: 1 });
  });
});
