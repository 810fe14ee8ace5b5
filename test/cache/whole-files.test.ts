// A reader of the cache (nginx) never finds a torn or empty file under a final name, however it times its reads against the misses.

import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon } from '../helpers/in-process.js';

const SEGMENTS = 8;

describe('files published by segment misses', () => {
  it('are either absent or whole under their final names while eight misses publish at once', async () => {
    const daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 });
    makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: SEGMENTS * 2 });
    expect((await daemon.request('/i/clip.mp4/index_0_av.m3u8')).status).toBe(200);
    const names = Array.from({ length: SEGMENTS }, (_, i) => `segment${i + 1}_0_av.ts`);
    const finalPath = (name: string) => path.join(daemon.cacheDir, 'i', 'clip.mp4', name);
    const seen = new Map<string, number[]>(names.map((name) => [name, []]));
    let publishing = true;
    // Reads every final name over and over, as nginx's try_files and open would, until the misses are done.
    const reader = (async () => {
      while (publishing) {
        for (const name of names) {
          const bytes = await fs.readFile(finalPath(name)).catch(() => undefined);
          if (bytes) seen.get(name)!.push(bytes.length);
        }
      }
    })();
    const answers = await Promise.all(names.map((name) => daemon.request(`/i/clip.mp4/${name}`)));
    publishing = false;
    await reader;
    expect(answers.map((a) => a.status)).toEqual(names.map(() => 200));
    for (const name of names) {
      const whole = (await fs.stat(finalPath(name))).size;
      expect(whole % 188).toBe(0);
      expect(whole).toBeGreaterThan(0);
      // Every read of the final name saw the finished file: never a prefix, never an empty file.
      expect(new Set(seen.get(name)), name).toEqual(new Set(seen.get(name)!.length > 0 ? [whole] : []));
    }
    expect([...seen.values()].some((sizes) => sizes.length > 0)).toBe(true);
    expect(readdirSync(path.join(daemon.cacheDir, '.tmp'))).toEqual([]);
  });
});
