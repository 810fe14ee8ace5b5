import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeErrors, makeClip } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';

const PLAYLIST = '/i/clip.mp4/index_0_av.m3u8';

function cachedFiles(cacheDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(cacheDir, full));
    }
  };
  walk(cacheDir);
  return out.filter((file) => !file.split(path.sep).includes('.tmp')).sort();
}

describe('the daemon with the builtin packager', () => {
  const make = () => inProcessDaemon({ packager: 'builtin', segment_duration: 2 });

  it('writes only the playlist on a playlist miss, then each segment on its own miss', async () => {
    const daemon = make();
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 6 });
    const response = await daemon.request(PLAYLIST);
    expect(response.status).toBe(200);
    const uris = (await response.text()).split('\n').filter((line) => line.endsWith('.ts'));
    expect(uris).toEqual(['segment1_0_av.ts', 'segment2_0_av.ts', 'segment3_0_av.ts']);
    expect(cachedFiles(daemon.cacheDir)).toEqual([path.join('i', 'clip.mp4', 'index_0_av.m3u8')]);
    const third = await daemon.request('/i/clip.mp4/segment3_0_av.ts');
    expect(third.status).toBe(200);
    expect(third.headers.get('content-type')).toBe('video/mp2t');
    expect(cachedFiles(daemon.cacheDir)).toHaveLength(2);
    for (const uri of uris.slice(0, 2)) expect((await daemon.request(`/i/clip.mp4/${uri}`)).status).toBe(200);
    expect(decodeErrors(path.join(daemon.cacheDir, 'i', 'clip.mp4', 'index_0_av.m3u8'))).toBe('');
  });

  it('answers a segment past the end with 404', async () => {
    const daemon = make();
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    expect((await daemon.request('/i/clip.mp4/segment9_0_av.ts')).status).toBe(404);
  });

  it('refuses a file that is not an MP4 with 422 and a reason, caches nothing, and keeps serving', async () => {
    const daemon = make();
    writeFileSync(path.join(daemon.mediaRoot, 'bad.mp4'), 'this is not a movie\n'.repeat(100));
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
    const refused = await daemon.request('/i/bad.mp4/index_0_av.m3u8');
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/not an MP4/);
    expect(cachedFiles(daemon.cacheDir)).toEqual([]);
    expect((await daemon.request(PLAYLIST)).status).toBe(200);
  });
});
