import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPackager } from '../../daemon/packagers/index.js';
import { sourceFileOf } from '../helpers/source-file.js';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';

const SEGMENT = '/i/clip.mp4/segment2_0_av.ts';
const SEGMENT_REL = 'i/clip.mp4/segment2_0_av.ts';
const PLAYLIST = '/i/clip.mp4/index_0_av.m3u8';

/** Holds the first publish of `cachePath` until released, and says when a run got there. */
function publishGate(cachePath: string) {
  let reached!: () => void;
  let release!: () => void;
  const atGate = new Promise<void>((resolve) => (reached = resolve));
  const open = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const beforePublish = async (path: string) => {
    if (path !== cachePath || held) return;
    held = true;
    reached();
    await open;
  };
  return { beforePublish, atGate, release };
}

/** Segment `n` of a source as the daemon's packager makes it on its own, for comparison. */
async function segmentBytes(daemon: InProcessDaemon, absPath: string, n: number): Promise<Buffer> {
  const packager = createPackager(daemon.config);
  const signal = new AbortController().signal;
  const src = await sourceFileOf(absPath);
  try {
    if (packager.granularity === 'segment') return Buffer.from(await packager.segment(src, n, signal));
    const outDir = mkdtempSync(path.join(tmpdir(), 'casterpak-reference-'));
    await packager.packageRendition(src, outDir, signal);
    return readFileSync(path.join(outDir, `segment${n}_0_av.ts`));
  } finally {
    await src.handle.close();
  }
}

describe.each(['builtin', 'ffmpeg'])('a source replaced by rename while a segment of it is being packaged (%s)', (packager) => {
  it('never publishes the old segment under the new package: not on disk, not in SQLite, and the segment is the new one', async () => {
    const gate = publishGate(SEGMENT_REL);
    const daemon = inProcessDaemon({ packager, segment_duration: 2 }, { beforePublish: gate.beforePublish });
    const refDir = mkdtempSync(path.join(tmpdir(), 'casterpak-versions-'));
    const v1 = makeClip(path.join(refDir, 'v1.mp4'), { durationSec: 6, toneHz: 440 });
    const v2 = makeClip(path.join(refDir, 'v2.mp4'), { durationSec: 8, toneHz: 880 });
    const [v1Segment, v2Segment] = [await segmentBytes(daemon, v1, 2), await segmentBytes(daemon, v2, 2)];
    expect(v1Segment.equals(v2Segment)).toBe(false);
    const source = path.join(daemon.mediaRoot, 'clip.mp4');
    copyFileSync(v1, source);

    // Version 1's segment is packaged and held right before it is published.
    const inFlight = daemon.request(SEGMENT);
    await gate.atGate;
    const oldPackage = daemon.store.packageBySource('clip.mp4')!;
    expect(oldPackage.source_size).toBe(statSync(v1).size);

    // The encoder replaces the source by rename (a new inode, another size, another mtime).
    const staging = path.join(daemon.mediaRoot, '.clip.mp4.part');
    copyFileSync(v2, staging);
    utimesSync(staging, new Date(), new Date(Date.now() + 60_000));
    renameSync(staging, source);

    const playlist = await daemon.request(PLAYLIST);
    expect(playlist.status).toBe(200);
    expect((await playlist.text()).match(/segment\d+_0_av\.ts/g)).toHaveLength(4);
    const newPackage = daemon.store.packageBySource('clip.mp4')!;
    expect(newPackage.source_size).toBe(statSync(v2).size);
    expect(newPackage.id).toBeGreaterThan(oldPackage.id);

    // Version 1's run finishes: it finds its package replaced, publishes nothing, and packages version 2.
    gate.release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(Buffer.from(await answer.arrayBuffer()).equals(v2Segment)).toBe(true);

    const onDisk = readFileSync(path.join(daemon.cacheDir, ...SEGMENT_REL.split('/')));
    expect(onDisk.equals(v1Segment)).toBe(false);
    expect(onDisk.equals(v2Segment)).toBe(true);
    expect(daemon.store.fileByPath(SEGMENT_REL)?.package_id).toBe(newPackage.id);
    expect(daemon.store.filesOfPackage(oldPackage.id)).toEqual([]);
    expect(daemon.store.db.prepare('SELECT count(*) AS n FROM packages').get()).toEqual({ n: 1 });

    const again = await daemon.request(SEGMENT);
    expect(Buffer.from(await again.arrayBuffer()).equals(v2Segment)).toBe(true);

    // Prune finds nothing stale to keep or to adopt: every file on disk is version 2's and has its row.
    const report = await runPrune(daemon.config, { dryRun: true }, daemon.store);
    expect(report.reconciled.adopted).toEqual([]);
    expect(report.evicted.files.filter((f) => f.reason === 'source-changed')).toEqual([]);
  });
});

describe('a run that goes stale twice', () => {
  it('answers 503 BUSY and leaves nothing in the cache when the source keeps changing', async () => {
    const refDir = mkdtempSync(path.join(tmpdir(), 'casterpak-versions-'));
    const clips = [6, 8, 10].map((d) => makeClip(path.join(refDir, `v${d}.mp4`), { durationSec: d }));
    let daemon!: InProcessDaemon;
    let version = 0;
    // Every time a run is about to publish, the encoder replaces the source and a player fetches the new playlist.
    const beforePublish = async (cachePath: string) => {
      if (cachePath !== SEGMENT_REL || version >= 2) return;
      version += 1;
      const staging = path.join(daemon.mediaRoot, '.part');
      copyFileSync(clips[version], staging);
      utimesSync(staging, new Date(), new Date(Date.now() + version * 60_000));
      renameSync(staging, path.join(daemon.mediaRoot, 'clip.mp4'));
      expect((await daemon.request(PLAYLIST)).status).toBe(200);
    };
    daemon = inProcessDaemon({ packager: 'builtin', segment_duration: 2 }, { beforePublish });
    mkdirSync(daemon.mediaRoot, { recursive: true });
    copyFileSync(clips[0], path.join(daemon.mediaRoot, 'clip.mp4'));
    const answer = await daemon.request(SEGMENT);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toMatch(/^BUSY: the source was replaced/);
    expect(existsSync(path.join(daemon.cacheDir, ...SEGMENT_REL.split('/')))).toBe(false);
    expect(daemon.store.fileByPath(SEGMENT_REL)).toBeUndefined();
  });
});
