import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/store.js';
import { writeAccessLog } from '../helpers/access-log.js';
import { sleep, waitFor } from '../helpers/processes.js';
import { makeCache, tempConfig } from './tail-fixture.js';
import { readTailState, startTailProcess } from './tail-process.js';

describe('tailer killed with SIGKILL', () => {
  it('counts every line exactly once after being killed mid-drain again and again', async () => {
    const config = tempConfig();
    const store = Store.open(config.stateDir);
    const paths = makeCache(config.cacheDir, store, 500);
    store.close();
    const lines = 200_000;
    const expected = writeAccessLog(config.accessLog, { lines, paths, startMs: Date.now() - 3_600_000 });
    const size = statSync(config.accessLog).size;
    // Small batches: thousands of commits, so that kills land in and around them.
    const args = { stateDir: config.stateDir, logPath: config.accessLog, context: config, options: { readBytes: 8 * 1024, flushBytes: 32 * 1024, watch: false } };

    let kills = 0;
    let lastOffset = 0;
    while (kills < 6) {
      const tailProcess = await startTailProcess(args);
      await waitFor('the tailer to commit further', () => (readTailState(config.stateDir).offset > lastOffset ? true : undefined), 20_000);
      await sleep(Math.random() * 40);
      await tailProcess.kill9();
      const state = readTailState(config.stateDir);
      if (state.offset >= size) break;
      expect(state.offset).toBeGreaterThan(lastOffset);
      lastOffset = state.offset;
      kills += 1;
    }
    expect(kills).toBeGreaterThanOrEqual(3);

    const last = await startTailProcess({ ...args, options: { watch: false } });
    await waitFor('the backlog to be drained', () => (readTailState(config.stateDir).offset === size ? true : undefined), 60_000);
    await last.stop();

    const state = readTailState(config.stateDir);
    expect(state.lines).toBe(lines);
    for (const cachePath of paths) expect(state.hits.get(cachePath), cachePath).toBe(expected.get(cachePath));
  });
});
