import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { recordPruneRun } from '../../daemon/store/operator-queries.js';
import { DB_FILE_NAME, Store } from '../../daemon/store/store.js';
import { Tailer } from '../../daemon/tail/tailer.js';
import { makeClip } from '../helpers/clip.js';
import { inProcessDaemon, type InProcessDaemon } from '../helpers/in-process.js';
import { waitFor } from '../helpers/processes.js';
import { checkHistogram, parsePrometheusText, sampleValue, type Family } from '../helpers/prom-text.js';

const PLAYLIST = '/i/clip.mp4/index_0_av.m3u8';

async function scrape(daemon: InProcessDaemon): Promise<Map<string, Family>> {
  const response = await daemon.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

/** The figures straight from SQLite, through a connection of the test's own. */
function sqliteFigures(daemon: InProcessDaemon): { bytes: number; files: number; packages: number } {
  const db = new Database(path.join(daemon.config.stateDir, DB_FILE_NAME), { readonly: true });
  try {
    return db.prepare('SELECT coalesce(sum(bytes), 0) AS bytes, count(*) AS files, (SELECT count(*) FROM packages) AS packages FROM cache_files').get() as {
      bytes: number;
      files: number;
      packages: number;
    };
  } finally {
    db.close();
  }
}

function newDaemon(raw: Record<string, unknown> = {}): InProcessDaemon {
  const daemon = inProcessDaemon({ packager: 'ffmpeg', segment_duration: 2, ...raw });
  makeClip(path.join(daemon.mediaRoot, 'clip.mp4'), { durationSec: 4 });
  return daemon;
}

describe('/metrics', () => {
  it('is Prometheus text that an independent parser accepts, with the families an operator charts', async () => {
    const daemon = newDaemon({ prune: { max_size: '1GiB' } });
    await daemon.request(PLAYLIST);
    const families = await scrape(daemon);
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      casterpak_http_requests_total: 'counter',
      casterpak_misses_total: 'counter',
      casterpak_packaging_duration_seconds: 'histogram',
      casterpak_packaged_bytes_total: 'counter',
      casterpak_cache_size_bytes: 'gauge',
      casterpak_cache_files: 'gauge',
      casterpak_cache_packages: 'gauge',
      casterpak_cache_max_size_bytes: 'gauge',
      casterpak_cache_requests_total: 'counter',
      casterpak_tailer_active: 'gauge',
      casterpak_tailer_lag_bytes: 'gauge',
      casterpak_tailer_lag_seconds: 'gauge',
      casterpak_prune_runs_total: 'counter',
      casterpak_prune_evicted_bytes_total: 'counter',
      casterpak_prune_evicted_files_total: 'counter',
      casterpak_prune_last_run_timestamp_seconds: 'gauge',
      casterpak_singleflight_waits_total: 'counter',
      casterpak_event_loop_delay_seconds: 'gauge',
      process_cpu_user_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
    });
    for (const family of families.values()) {
      expect(family.help, family.name).toBeTruthy();
      if (family.type === 'histogram') checkHistogram(family);
    }
    expect(sampleValue(families, 'casterpak_cache_max_size_bytes')).toBe(2 ** 30);
    // The README's table: the event-loop delay at these quantiles, and no other.
    expect(families.get('casterpak_event_loop_delay_seconds')!.samples.map((sample) => sample.labels.quantile)).toEqual(['0.5', '0.9', '0.99', '1']);
  });

  it('moves its request, miss, packaging and byte figures with traffic, and the cache figures match SQLite', async () => {
    const daemon = newDaemon();
    const before = await scrape(daemon);
    expect(sampleValue(before, 'casterpak_misses_total')).toBe(0);
    expect(sampleValue(before, 'casterpak_http_requests_total', { route: 'playlist', status: '200' })).toBeUndefined();

    expect((await daemon.request(PLAYLIST)).status).toBe(200);
    expect((await daemon.request('/i/clip.mp4/segment1_0_av.ts')).status).toBe(200);
    expect((await daemon.request('/i/clip.mp4/segment1_0_av.ts')).status).toBe(200);
    expect((await daemon.request('/i/absent.mp4/index_0_av.m3u8')).status).toBe(404);
    const after = await scrape(daemon);

    expect(sampleValue(after, 'casterpak_http_requests_total', { route: 'playlist', status: '200' })).toBe(1);
    expect(sampleValue(after, 'casterpak_http_requests_total', { route: 'segment', status: '200' })).toBe(2);
    expect(sampleValue(after, 'casterpak_http_requests_total', { route: 'playlist', status: '404' })).toBe(1);
    expect(sampleValue(after, 'casterpak_misses_total')).toBe(1);
    expect(sampleValue(after, 'casterpak_packaging_duration_seconds_count', { packager: 'ffmpeg', outcome: 'ok' })).toBe(1);
    expect(sampleValue(after, 'casterpak_packaging_duration_seconds_sum', { packager: 'ffmpeg', outcome: 'ok' })).toBeGreaterThan(0);
    const sqlite = sqliteFigures(daemon);
    expect(sqlite.files).toBeGreaterThan(2);
    expect(sampleValue(after, 'casterpak_packaged_bytes_total')).toBe(sqlite.bytes);
    expect(sampleValue(after, 'casterpak_cache_size_bytes')).toBe(sqlite.bytes);
    expect(sampleValue(after, 'casterpak_cache_files')).toBe(sqlite.files);
    expect(sampleValue(after, 'casterpak_cache_packages')).toBe(sqlite.packages);
    // Standalone mode counts what it serves: the playlist was a miss, both segment requests hits.
    expect(sampleValue(after, 'casterpak_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(sampleValue(after, 'casterpak_cache_requests_total', { result: 'hit' })).toBe(2);
    expect(sampleValue(after, 'casterpak_http_requests_total', { route: 'metrics', status: '200' })).toBe(1);
  });

  it('counts single-flight waits when concurrent misses share one packaging run', async () => {
    const daemon = newDaemon();
    const statuses = await Promise.all(Array.from({ length: 5 }, () => daemon.request(PLAYLIST).then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const families = await scrape(daemon);
    expect(sampleValue(families, 'casterpak_misses_total')).toBe(5);
    expect(sampleValue(families, 'casterpak_singleflight_waits_total')).toBe(4);
    expect(sampleValue(families, 'casterpak_packaging_duration_seconds_count', { packager: 'ffmpeg', outcome: 'ok' })).toBe(1);
  });

  it('labels a failed packaging run with its error code', async () => {
    const daemon = newDaemon();
    writeFileSync(path.join(daemon.mediaRoot, 'bad.mp4'), Buffer.alloc(4096, 7));
    const status = (await daemon.request('/i/bad.mp4/index_0_av.m3u8')).status;
    // Not an MP4 at all: the builtin reader refuses it before ffmpeg is started.
    expect(status).toBe(422);
    const families = await scrape(daemon);
    const failed = families.get('casterpak_packaging_duration_seconds')?.samples.filter((s) => s.name.endsWith('_count') && s.labels.outcome !== 'ok') ?? [];
    expect(failed).toHaveLength(1);
    expect(failed[0].labels.outcome).toBe('MP4_NO_MOOV');
    expect(sampleValue(families, 'casterpak_packaged_bytes_total')).toBe(0);
  });

  it('reports the prune runs and evicted bytes that another process recorded in SQLite, dry runs aside', async () => {
    const daemon = newDaemon();
    const pruneProcess = Store.open(daemon.config.stateDir);
    recordPruneRun(pruneProcess, { startedMs: 1_700_000_000_000, finishedMs: 1_700_000_001_000, dryRun: false, outcome: 'ok', filesEvicted: 3, bytesEvicted: 12_288 });
    recordPruneRun(pruneProcess, { startedMs: 1_700_000_100_000, finishedMs: 1_700_000_102_500, dryRun: false, outcome: 'ok', filesEvicted: 1, bytesEvicted: 4096 });
    recordPruneRun(pruneProcess, { startedMs: 1_700_000_200_000, finishedMs: 1_700_000_200_100, dryRun: true, outcome: 'ok', filesEvicted: 9, bytesEvicted: 99_999 });
    pruneProcess.close();
    const families = await scrape(daemon);
    expect(sampleValue(families, 'casterpak_prune_runs_total')).toBe(2);
    expect(sampleValue(families, 'casterpak_prune_evicted_bytes_total')).toBe(16_384);
    expect(sampleValue(families, 'casterpak_prune_evicted_files_total')).toBe(4);
    expect(sampleValue(families, 'casterpak_prune_last_run_timestamp_seconds')).toBe(1_700_000_102.5);
  });

  it("shows the access-log tailer's lag from what it committed, and nothing in standalone mode", async () => {
    const daemon = newDaemon({ mode: 'nginx' });
    const logPath = daemon.config.accessLog;
    mkdirSync(path.dirname(logPath), { recursive: true });
    const line = (n: number) => `${JSON.stringify({ msec: `${1_700_000_000 + n}.000`, status: '200', request_uri: '/i/clip.mp4/segment1_0_av.ts', uri: '/i/clip.mp4/segment1_0_av.ts' })}\n`;
    writeFileSync(logPath, line(1) + line(2));
    expect(sampleValue(await scrape(daemon), 'casterpak_tailer_active')).toBe(0);

    const tailer = new Tailer({ store: daemon.store, logPath, context: daemon.config, watch: false, pollIntervalMs: 60_000 });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    const caughtUp = await scrape(daemon);
    expect(sampleValue(caughtUp, 'casterpak_tailer_active')).toBe(1);
    expect(sampleValue(caughtUp, 'casterpak_tailer_lag_bytes')).toBe(0);
    expect(sampleValue(caughtUp, 'casterpak_tailer_lag_seconds')).toBe(0);

    const unread = line(3) + line(4) + line(5);
    appendFileSync(logPath, unread);
    const behind = await scrape(daemon);
    expect(sampleValue(behind, 'casterpak_tailer_lag_bytes')).toBe(Buffer.byteLength(unread));
    // The newest line read is from 2023: far behind.
    expect(sampleValue(behind, 'casterpak_tailer_lag_seconds')).toBeGreaterThan(3600);

    const standalone = inProcessDaemon({ packager: 'ffmpeg', access_log: logPath, state_dir: daemon.config.stateDir });
    expect(sampleValue(await scrape(standalone), 'casterpak_tailer_active')).toBe(0);
  });

  it('reports a blocked event loop as a larger delay than the idle loop before it', async () => {
    const daemon = newDaemon();
    const delay = async (quantile: string) => sampleValue(await scrape(daemon), 'casterpak_event_loop_delay_seconds', { quantile });
    // Let the monitor sample the idle loop for a moment (however few samples it takes, the block below dwarfs them).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const idleMaxSec = (await delay('1'))!;
    const blockMs = 400;
    const until = Date.now() + blockMs;
    while (Date.now() < until) {
      // busy: nothing else can run
    }
    // The window still open holds the blocked tick once the monitor's timer has fired again.
    const blockedMaxSec = await waitFor('the monitor to record the blocked tick', async () => {
      const max = (await delay('1'))!;
      return max > idleMaxSec ? max : undefined;
    }, 20_000);
    // A lower bound only: a slow machine can delay the loop more, never less, than the block itself.
    // (The loop's figures under load are measured by the benchmark, `npm run bench`.)
    expect(blockedMaxSec).toBeGreaterThanOrEqual((blockMs - 20) / 1000);
  });
});
