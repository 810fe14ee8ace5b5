// Scaling out: three CasterPak nodes (nginx + casterpakd, each with its own cache and database) behind a front nginx
// rendered by `nginx-config --front`; hls.js in Chromium plays a csmil ladder through the front, before and after a node stops.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { CONFIG_KEYS } from '../../daemon/config.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlsPage, launchChromium } from '../helpers/browser.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { LADDER, LADDER_SECONDS, makeLadder, rungName } from '../helpers/ladder.js';
import { startPlainNginx, type PlainNginx } from '../helpers/plain-nginx.js';
import { radosgwUnavailable, startRadosgw, STARTUP_BUDGET_MS, type RunningRadosgw } from '../helpers/radosgw.js';
import { startStack, type Stack } from '../helpers/stack.js';

const SET = '/i/shows/clip_,360,540,720,p.mp4.csmil/master.m3u8';
const RENDITIONS = LADDER.map((rung) => `shows/${rungName(rung)}`);

/**
 * Where the nodes read the ladder from. Every node must see the same sources; the test is the same
 * whatever they are, so each kind of source is one entry here.
 */
interface ScaleOutSource {
  readonly name: string;
  /** Why this kind of source cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  /** Makes `shows/clip_<height>p.mp4` (encoded in `ladderDir`) available to every node; returns the config keys that point a node at it. */
  setUp(ladderDir: string): Promise<Record<string, string | number | boolean>>;
  tearDown(): Promise<void>;
}

/** One media_root directory that all three nodes read, as a shared mount would give them. */
const sharedDirectory: ScaleOutSource = {
  name: 'a shared media_root directory',
  unavailable: () => undefined,
  async setUp(ladderDir) {
    return { media_root: ladderDir };
  },
  async tearDown() {},
};

const BUCKET = 'casterpak-ladder';
const CREDENTIAL_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'] as const;

/**
 * One S3 bucket on a real RADOS Gateway that all three nodes read. The nodes (separate processes)
 * take their credentials from the AWS SDK's default chain: the environment they inherit from here.
 */
function s3Bucket(): ScaleOutSource {
  let store: RunningRadosgw | undefined;
  const savedEnv: Record<string, string | undefined> = {};
  return {
    name: 'an S3 bucket on a RADOS Gateway',
    unavailable: () => (CONFIG_KEYS.includes('s3_endpoint') ? radosgwUnavailable() : 'this build has no S3 source (no s3_endpoint config key)'),
    async setUp(ladderDir) {
      store = await startRadosgw();
      await store.createBucket(BUCKET);
      for (const rendition of RENDITIONS) await store.putObject(BUCKET, `ladder/${rendition}`, path.join(ladderDir, rendition));
      for (const name of CREDENTIAL_VARS) savedEnv[name] = process.env[name];
      delete process.env.AWS_SESSION_TOKEN;
      delete process.env.AWS_PROFILE;
      process.env.AWS_ACCESS_KEY_ID = store.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = store.secretAccessKey;
      return { media_root: `s3://${BUCKET}/ladder/`, s3_endpoint: store.endpoint, s3_region: store.region, s3_force_path_style: true };
    },
    async tearDown() {
      for (const name of CREDENTIAL_VARS) {
        if (savedEnv[name] === undefined) delete process.env[name];
        else process.env[name] = savedEnv[name];
      }
      await store?.stop();
    },
  };
}

const SOURCES: readonly ScaleOutSource[] = [sharedDirectory, s3Bucket()];

interface LevelRun {
  height: number;
  ended: boolean;
  fragments: string[];
  errors: Array<{ what: string; fatal: boolean; atSec: number }>;
}

/** Plays the master in hls.js with the level `level` locked from the start, to the end. */
async function playLevel(browser: Browser, masterUrl: string, level: number): Promise<LevelRun> {
  const { page, errors: pageErrors } = await hlsPage(browser);
  try {
    const run = await page.evaluate(
      async ({ url, level: wanted }): Promise<LevelRun> => {
        const Hls = (window as unknown as { Hls: any }).Hls;
        const video = document.getElementById('v') as HTMLVideoElement;
        const hls = new Hls({ startLevel: wanted });
        const fragments: string[] = [];
        const errors: LevelRun['errors'] = [];
        hls.on(Hls.Events.ERROR, (_: unknown, d: { type: string; details: string; fatal: boolean }) => errors.push({ what: `${d.type}/${d.details}`, fatal: d.fatal, atSec: video.currentTime }));
        hls.on(Hls.Events.FRAG_LOADED, (_: unknown, d: { frag: { url: string } }) => fragments.push(d.frag.url));
        hls.on(Hls.Events.MANIFEST_PARSED, () => {
          hls.currentLevel = wanted;
          video.playbackRate = 2;
          void video.play();
        });
        hls.loadSource(url);
        hls.attachMedia(video);
        const deadline = Date.now() + 60_000;
        while (!video.ended && !errors.some((e) => e.fatal) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        return { height: hls.levels[hls.currentLevel]?.height ?? 0, ended: video.ended, fragments, errors };
      },
      { url: masterUrl, level },
    );
    expect(pageErrors).toEqual([]);
    return run;
  } finally {
    await page.context().close();
  }
}

/**
 * The only non-fatal report tolerated: with B-frames the first picture is presented a little after
 * the first decode time, and hls.js skips that gap at the start.
 */
function streamErrors(run: LevelRun): LevelRun['errors'] {
  return run.errors.filter((e) => e.fatal || !(e.what === 'mediaError/bufferSeekOverHole' && e.atSec < 0.5));
}

/** Plays every level of the ladder through the front and checks that each ran to its end without a stream error. */
async function playEveryLevel(browser: Browser, masterUrl: string): Promise<void> {
  for (const [level, rung] of LADDER.entries()) {
    const run = await playLevel(browser, masterUrl, level);
    expect(streamErrors(run), `level ${level}`).toEqual([]);
    expect(run.ended, `level ${level} played to its end`).toBe(true);
    expect(run.height).toBe(rung.height);
    expect(run.fragments.length).toBeGreaterThanOrEqual(LADDER_SECONDS / 2);
    expect(run.fragments.every((url) => url.includes(`/${rungName(rung)}/`))).toBe(true);
  }
}

/**
 * The renditions a node has packaged files of, from its own database (`casterpakd ls --json`). The node
 * that builds a set's master also lists the members it read to write it, with no files of theirs.
 */
async function packagedOn(node: Stack): Promise<string[]> {
  const cli = await runCli(['ls', '--json', '--config', node.daemon.configPath]);
  if (cli.status !== 0) throw new Error(`casterpakd ls exited ${cli.status}: ${cli.stderr}`);
  const rows = JSON.parse(cli.stdout) as Array<{ source: string; files: number }>;
  return rows.filter((row) => row.files > 0).map((row) => row.source);
}

/** For each rendition, the indexes of the nodes that hold a package of it. */
async function holders(nodes: ReadonlyArray<Stack | undefined>): Promise<Map<string, number[]>> {
  const held = new Map<string, number[]>(RENDITIONS.map((r) => [r, []]));
  for (const [index, node] of nodes.entries()) {
    if (!node) continue;
    for (const source of await packagedOn(node)) held.get(source)?.push(index);
  }
  return held;
}

describe.each(SOURCES)('three nodes behind the front tier, sources from $name', (source) => {
  const why = source.unavailable();
  if (why) console.warn(`scale-out with sources from ${source.name} skipped: ${why}`);
  const nodes: Array<Stack | undefined> = [];
  let front: PlainNginx;
  let browser: Browser;
  let ladderDir: string;

  beforeAll(async () => {
    if (why) return;
    await ensureBuilt();
    ladderDir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-scale-out-'));
    await makeLadder(path.join(ladderDir, 'shows'));
    const keys = await source.setUp(ladderDir);
    for (let i = 0; i < 3; i += 1) nodes.push(await startStack({ packager: 'builtin', segmentDurationSec: 2, extra: keys }));
    const addresses = nodes.map((node) => `127.0.0.1:${node!.nginx.port}`);
    front = await startPlainNginx(async (port) => {
      const cli = await runCli(['nginx-config', '--config', '/dev/null', '--front', ...addresses, '--front-listen', `127.0.0.1:${port}`]);
      if (cli.status !== 0) throw new Error(`nginx-config --front exited ${cli.status}: ${cli.stderr}`);
      return cli.stdout;
    });
    browser = await launchChromium();
  }, STARTUP_BUDGET_MS + 300_000);

  afterAll(async () => {
    await browser?.close();
    await front?.stop();
    for (const node of nodes) await node?.dispose();
    if (!why) await source.tearDown();
    if (ladderDir) rmSync(ladderDir, { recursive: true, force: true });
  });

  it('plays every rendition of the ladder through the front, each packaged on exactly one node', async (ctx) => {
    if (why) return ctx.skip(why);
    await playEveryLevel(browser, `${front.baseUrl}${SET}`);
    const held = await holders(nodes);
    for (const rendition of RENDITIONS) expect(held.get(rendition), rendition).toHaveLength(1);
  }, 240_000);

  it('still plays every rendition with a node stopped, its renditions packaged again on one other node', async (ctx) => {
    if (why) return ctx.skip(why);
    const before = await holders(nodes);
    // Stop a node that holds a rendition, so that the failover is exercised whatever the hash chose.
    const victim = before.get(RENDITIONS.find((r) => before.get(r)!.length > 0)!)![0];
    const moved = RENDITIONS.filter((r) => before.get(r)![0] === victim);
    await nodes[victim]!.dispose();
    nodes[victim] = undefined;

    await playEveryLevel(browser, `${front.baseUrl}${SET}`);
    const after = await holders(nodes);
    for (const rendition of RENDITIONS) {
      const now = after.get(rendition)!;
      // The stopped node's renditions are now on one live node; the others stayed where they were.
      if (moved.includes(rendition)) expect(now, rendition).toHaveLength(1);
      else expect(now, rendition).toEqual(before.get(rendition));
    }
  }, 240_000);
});
