// prune treats a rendition's CMAF files like its MPEG-TS ones: adopted under its package, evicted one by one by TTL.

import { describe, expect, it } from 'vitest';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { pruneFixture } from './prune-fixture.js';

describe('prune and CMAF files', () => {
  it("adopts CMAF files found without a row under their rendition's package, with their kinds", async () => {
    const f = pruneFixture({ prune: { ttl: '1h' } });
    const pkgId = f.addPackage('clip.mp4', 'segment');
    for (const name of ['video_init.mp4', 'video_1.m4s', 'audio.m3u8', 'manifest.mpd']) f.addFile(`i/clip.mp4/cmaf/${name}`, { row: false });
    const report = await runPrune(f.config, {}, f.store);
    expect(report.reconciled.adopted.sort()).toEqual(['i/clip.mp4/cmaf/audio.m3u8', 'i/clip.mp4/cmaf/manifest.mpd', 'i/clip.mp4/cmaf/video_1.m4s', 'i/clip.mp4/cmaf/video_init.mp4']);
    const rows = ['video_init.mp4', 'video_1.m4s', 'audio.m3u8', 'manifest.mpd'].map((name) => f.store.fileByPath(`i/clip.mp4/cmaf/${name}`));
    expect(rows.map((row) => row?.package_id)).toEqual([pkgId, pkgId, pkgId, pkgId]);
    expect(rows.map((row) => row?.kind)).toEqual(['segment', 'segment', 'playlist', 'master']);
  });

  it('evicts CMAF segments nobody requested within the TTL one by one and keeps the watched ones', async () => {
    const f = pruneFixture({ prune: { ttl: '1h' } });
    const packageId = f.addPackage('clip.mp4', 'segment');
    f.addFile('i/clip.mp4/cmaf/video_1.m4s', { packageId, accessedAgoH: 30 });
    f.addFile('i/clip.mp4/cmaf/video_2.m4s', { packageId, accessedAgoH: 0 });
    f.addFile('i/clip.mp4/cmaf/video_init.mp4', { packageId, accessedAgoH: 0 });
    const report = await runPrune(f.config, { force: true }, f.store);
    expect(report.evicted.files.map((e) => e.path)).toEqual(['i/clip.mp4/cmaf/video_1.m4s']);
    expect(f.diskFiles()).toEqual(['i/clip.mp4/cmaf/video_2.m4s', 'i/clip.mp4/cmaf/video_init.mp4']);
  });
});
