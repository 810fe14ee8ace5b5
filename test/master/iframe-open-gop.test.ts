// I-frame playlists of open-GOP sources: every random access picture (IDR, CRA, recovery point) is listed, and each range decodes alone.

import { execFile } from 'node:child_process';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMedia, mediaFile, removeMediaDir } from '../helpers/corpus.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { parseMedia } from '../helpers/m3u8.js';
import { countFrames, decodeErrors } from '../helpers/probe.js';

const run = promisify(execFile);
const PACKET = 188;
/** x264 with open-gop (an IDR, then I pictures with recovery point SEIs) and HandBrake's x265 defaults (an IDR, then CRA pictures). */
const SOURCES = { 'x264-open-gop.mp4': 'h264-open-gop.mp4', 'handbrake-x265.mp4': 'hevc-handbrake-open-gop.mp4' } as const;

let daemon: InProcessDaemon;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'casterpak-iframes-'));

beforeAll(async () => {
  daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2, iframe_playlists: true });
  await makeMedia(Object.values(SOURCES));
  for (const [name, corpusName] of Object.entries(SOURCES)) await fs.copyFile(await mediaFile(corpusName), path.join(daemon.mediaRoot, name));
}, 180_000);

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await removeMediaDir();
});

/** The source's sync samples as ffprobe reads them (K flag): its IDR, CRA and recovery point pictures. */
async function syncSampleCount(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file]);
  return stdout.split('\n').filter((flags) => flags.startsWith('K')).length;
}

async function bytesOf(urlPath: string): Promise<Buffer> {
  const response = await daemon.request(urlPath);
  expect(response.status, urlPath).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe.each(Object.keys(SOURCES))('the I-frame playlist of %s', (name) => {
  it('lists every random access picture of the source, not only its one IDR picture', async () => {
    const { entries } = parseMedia((await bytesOf(`/i/${name}/iframes_0_v.m3u8`)).toString('utf8'));
    const expected = await syncSampleCount(path.join(daemon.mediaRoot, name));
    expect(expected).toBeGreaterThan(2);
    expect(entries).toHaveLength(expected);
    // One per segment start at least: each segment starts at one of them.
    const { entries: segments } = parseMedia((await bytesOf(`/i/${name}/index_0_av.m3u8`)).toString('utf8'));
    expect(new Set(entries.map((e) => e.uri)).size).toBe(segments.length);
    const totalSec = entries.reduce((sum, e) => sum + e.durationSec, 0);
    expect(Math.abs(totalSec - segments.reduce((sum, e) => sum + e.durationSec, 0))).toBeLessThan(0.01);
  });

  it('gives byte ranges that ffmpeg decodes alone, with the segment\'s PAT and PMT, into exactly one picture and no error', async () => {
    const { entries } = parseMedia((await bytesOf(`/i/${name}/iframes_0_v.m3u8`)).toString('utf8'));
    for (const [k, entry] of entries.entries()) {
      const segment = await bytesOf(`/i/${name}/${path.basename(entry.uri)}`);
      const { offsetBytes, lengthBytes } = entry.range!;
      const range = segment.subarray(offsetBytes, offsetBytes + lengthBytes);
      const alone = offsetBytes === 0 ? range : Buffer.concat([segment.subarray(0, 2 * PACKET), range]);
      const file = path.join(scratch, `${name}-${k}.ts`);
      await fs.writeFile(file, alone);
      expect((await countFrames(file)).videoFrames, `entry ${k + 1}`).toBe(1);
      expect(await decodeErrors(file), `entry ${k + 1}`).toBe('');
    }
  });
});
