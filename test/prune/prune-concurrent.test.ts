import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPrune } from '../../daemon/prune/run-prune.js';
import { writeAccessLog } from '../helpers/access-log.js';
import { waitFor } from '../helpers/processes.js';
import { readTailState, startTailProcess } from '../tail/tail-process.js';
import { pruneFixture } from './prune-fixture.js';

describe('prune while the daemon writes the same database', () => {
  it('runs alongside a tailer committing in another process, with no SQLITE_BUSY on either side', async () => {
    const f = pruneFixture({ mode: 'nginx', prune: { ttl: '24h' } });
    const hot = Array.from({ length: 200 }, (_, i) => `i/hot.mp4/segment${i + 1}_0_av.ts`);
    for (const cachePath of hot) f.addFile(cachePath, { bytes: 100, accessedAgoH: 1 });
    for (let i = 1; i <= 1_500; i += 1) f.addFile(`i/old.mp4/segment${i}_0_av.ts`, { bytes: 100, accessedAgoH: 48 });
    for (let i = 1; i <= 1_000; i += 1) {
      const abs = path.join(f.config.cacheDir, 'i', 'orphan.mp4', `segment${i}_0_av.ts`);
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, 'x');
    }
    const lines = 150_000;
    const early = 100_000;
    const startMs = Date.now() - 600_000;
    const expected = writeAccessLog(f.config.accessLog, { lines: early, paths: hot, startMs });
    f.store.close();

    const daemonSide = await startTailProcess({
      stateDir: f.config.stateDir,
      logPath: f.config.accessLog,
      context: f.config,
      // Small transactions, many of them, and misses recorded meanwhile: as much contention as possible.
      options: { readBytes: 16 * 1024, flushBytes: 32 * 1024, watch: false },
      missEveryMs: 5,
    });
    const reports = [];
    try {
      // nginx keeps writing as prune starts: the tailer has these lines still to commit while prune runs,
      // however fast it drained the first ones.
      const late = writeAccessLog(f.config.accessLog, { lines: lines - early, paths: hot, startMs: startMs + early });
      for (const [cachePath, hits] of late) expected.set(cachePath, (expected.get(cachePath) ?? 0) + hits);
      const before = readTailState(f.config.stateDir).lines;
      expect(before).toBeLessThan(lines);
      for (let run = 0; run < 3; run += 1) reports.push(await runPrune(f.config, { force: true }));
      // The two really overlapped: the tailer committed while prune ran.
      expect(readTailState(f.config.stateDir).lines).toBeGreaterThan(before);
      await waitFor('the tailer to drain the log', () => (readTailState(f.config.stateDir).lines === lines ? true : undefined), 60_000);
    } finally {
      await daemonSide.stop();
    }

    expect(daemonSide.stderr()).not.toMatch(/SQLITE_BUSY|failed/);
    expect(reports[0].evicted.files.filter((e) => e.path.startsWith('i/old.mp4/'))).toHaveLength(1_500);
    expect(reports[0].reconciled.adopted).toHaveLength(1_000);
    const state = readTailState(f.config.stateDir);
    for (const cachePath of hot) expect(state.hits.get(cachePath), cachePath).toBe(expected.get(cachePath));
  });
});
