// A file written from pieces (a CMAF segment's boxes, then its samples where they were read) holds exactly their bytes in order.

import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareChunks } from '../../daemon/cache/publish.js';

function pieces(sizes: number[]): Uint8Array[] {
  let value = 0;
  return sizes.map((size) => Uint8Array.from({ length: size }, () => (value = (value * 31 + 7) % 251)));
}

describe('writing a file from pieces', () => {
  it('writes every piece in order, byte for byte, across write calls, with empty pieces and a piece larger than one call', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'casterpak-chunks-'));
    // 1.5 MiB in one piece spans several write calls; the small ones straddle their boundaries.
    const chunks = pieces([120, 0, 500_000, 3, 1_572_864, 0, 70_000, 1]);
    const prepared = await prepareChunks(cacheDir, 'i/clip.mp4/cmaf/video_1.m4s', chunks);
    expect(Buffer.compare(readFileSync(prepared.tmpPath), Buffer.concat(chunks))).toBe(0);
    expect(prepared.cachePath).toBe('i/clip.mp4/cmaf/video_1.m4s');
    expect(prepared.bytes).toBeGreaterThanOrEqual(chunks.reduce((sum, c) => sum + c.length, 0));
  });

  it('writes an empty file from no pieces and leaves nothing else under .tmp', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'casterpak-chunks-'));
    const prepared = await prepareChunks(cacheDir, 'i/clip.mp4/cmaf/audio_1.m4s', []);
    expect(readFileSync(prepared.tmpPath).length).toBe(0);
    expect(readdirSync(path.dirname(prepared.tmpPath))).toEqual([path.basename(prepared.tmpPath)]);
  });
});
