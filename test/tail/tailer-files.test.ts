import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Store } from '../../daemon/store/store.js';
import { measureTailerLag } from '../../daemon/tail/lag.js';
import { loadCounters } from '../../daemon/tail/tail-state.js';
import { Tailer } from '../../daemon/tail/tailer.js';
import { accessLine } from '../helpers/access-log.js';
import { sleep, waitFor } from '../helpers/processes.js';
import { makeCache, tempConfig } from './tail-fixture.js';

/** A pino logger whose lines the test can read. */
function capturingLogger(): { log: ReturnType<typeof pino>; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines: () => lines };
}

function setup() {
  const config = tempConfig();
  const store = Store.open(config.stateDir);
  const paths = makeCache(config.cacheDir, store, 4);
  return { config, store, paths };
}

const hitsOf = (store: Store, cachePath: string) => store.fileByPath(cachePath)!.hits;

describe('tailer on log files written by the test', () => {
  it('starts before the log exists and reads it from its first line once it appears', async () => {
    const { config, store, paths } = setup();
    const tailer = new Tailer({ store, logPath: config.accessLog, context: config, pollIntervalMs: 50 });
    await tailer.start();
    await sleep(100);
    writeFileSync(config.accessLog, accessLine(paths[0], Date.now()) + accessLine(paths[0], Date.now()));
    await waitFor('two hits', () => (hitsOf(store, paths[0]) === 2 ? true : undefined));
    await tailer.stop();
  });

  it('counts lines it cannot read, keeps going, and logs them at a bounded rate', async () => {
    const { config, store, paths } = setup();
    const lines = [accessLine(paths[1], Date.now())];
    for (let i = 0; i < 500; i += 1) lines.push(`garbage line ${i}\n`, `{"msec":"oops"}\n`);
    lines.push('x'.repeat(2 * 1024 * 1024) + '\n', accessLine(paths[1], Date.now()));
    writeFileSync(config.accessLog, lines.join(''));
    const { log, lines: logged } = capturingLogger();
    const tailer = new Tailer({ store, logPath: config.accessLog, context: config, watch: false, log, readBytes: 64 * 1024 });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    expect(hitsOf(store, paths[1])).toBe(2);
    expect(tailer.stats().bad).toBe(1_001);
    expect(loadCounters(store)).toMatchObject({ lines: 1_003, hits: 2, bad: 1_001 });
    expect(logged().filter((l) => String(l.msg).includes('not in the casterpak format')).length).toBe(1);
  });

  it('is measured behind in bytes and seconds from SQLite and the log on disk, the one lag every view reads', async () => {
    const { config, store, paths } = setup();
    const tailer = new Tailer({ store, logPath: config.accessLog, context: config, watch: false, pollIntervalMs: 60_000 });
    writeFileSync(config.accessLog, accessLine(paths[2], Date.now() - 1000));
    await tailer.start();
    await tailer.catchUp();
    const caughtUp = await measureTailerLag(store, config.accessLog);
    expect(caughtUp).toMatchObject({ logExists: true, hasCursor: true, bytesBehind: 0, secondsBehind: 0 });

    const late = accessLine(paths[2], Date.now() - 90_000);
    appendFileSync(config.accessLog, late);
    const behind = await measureTailerLag(store, config.accessLog);
    expect(behind.bytesBehind).toBe(Buffer.byteLength(late));
    expect(behind.secondsBehind).toBeGreaterThanOrEqual(89);
    expect(behind.secondsBehind).toBeLessThan(120);
    await tailer.catchUp();
    expect((await measureTailerLag(store, config.accessLog)).bytesBehind).toBe(0);
    await tailer.stop();
  });

  it('closes a rotated file once it is drained and quiet for the grace period, not before', async () => {
    const { config, store, paths } = setup();
    writeFileSync(config.accessLog, accessLine(paths[3], Date.now()));
    const tailer = new Tailer({ store, logPath: config.accessLog, context: config, watch: false, pollIntervalMs: 50, rotateGraceMs: 400 });
    await tailer.start();
    await tailer.catchUp();
    renameSync(config.accessLog, `${config.accessLog}.1`);
    writeFileSync(config.accessLog, '');
    await tailer.catchUp();
    expect(tailer.stats().filesOpen).toBe(2);
    // A late write to the renamed file, as a worker that has not reopened yet would do.
    appendFileSync(`${config.accessLog}.1`, accessLine(paths[3], Date.now()));
    await waitFor('the late line', () => (hitsOf(store, paths[3]) === 2 ? true : undefined));
    expect(tailer.stats().filesOpen).toBe(2);
    await waitFor('the rotated file to be closed', () => (tailer.stats().filesOpen === 1 ? true : undefined));
    expect(store.db.prepare('SELECT count(*) AS n FROM tail_rotated').get()).toEqual({ n: 0 });
    await tailer.stop();
  });

  it('forgets a rotated file that vanished while stopped, so that it does not count as lag forever', async () => {
    const { config, store, paths } = setup();
    writeFileSync(config.accessLog, accessLine(paths[0], Date.now()));
    let tailer = new Tailer({ store, logPath: config.accessLog, context: config, watch: false, rotateGraceMs: 60_000 });
    await tailer.start();
    await tailer.catchUp();
    renameSync(config.accessLog, `${config.accessLog}.1`);
    writeFileSync(config.accessLog, '');
    await tailer.catchUp();
    await tailer.stop();
    expect(store.db.prepare('SELECT count(*) AS n FROM tail_rotated').get()).toEqual({ n: 1 });
    // Unread lines in it, then logrotate compresses it away.
    appendFileSync(`${config.accessLog}.1`, accessLine(paths[0], Date.now()));
    rmSync(`${config.accessLog}.1`);
    tailer = new Tailer({ store, logPath: config.accessLog, context: config, watch: false });
    await tailer.start();
    await tailer.catchUp();
    await tailer.stop();
    expect(store.db.prepare('SELECT count(*) AS n FROM tail_rotated').get()).toEqual({ n: 0 });
    expect((await measureTailerLag(store, config.accessLog)).bytesBehind).toBe(0);
  });
});
