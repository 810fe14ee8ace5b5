import { appendFileSync, copyFileSync, existsSync, renameSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCursor } from '../../daemon/tail/tail-state.js';
import { tailFixture, type TailFixture } from './tail-fixture.js';

let fixture: TailFixture | undefined;

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** A tailer that only reads when asked: the file system changes between two of its looks. */
const slowLook = { watch: false, pollIntervalMs: 60_000 };

describe('tailer with real nginx writing the access log', () => {
  it('puts hits served by nginx alone into SQLite while it runs, with their time of access', async () => {
    fixture = await tailFixture();
    const tailer = fixture.tailer({ pollIntervalMs: 500 });
    await tailer.start();
    await fixture.fetchAll(5);
    const servedAt = Date.now();
    // A generous deadline: how soon lines arrive is the benchmark's figure (tailer lag under load).
    await fixture.waitForExactHits(30_000);
    const file = fixture.store.fileByPath(fixture.paths[0])!;
    expect(file.last_access_ms).toBeGreaterThan(servedAt - 10_000);
    expect(file.last_access_ms).toBeLessThanOrEqual(servedAt + 1_000);
  });

  it('counts every request once across a rename rotation with writes to both files (create + USR1)', async () => {
    fixture = await tailFixture();
    const tailer = fixture.tailer();
    await tailer.start();
    await fixture.fetchAll(2);
    renameSync(fixture.logPath, `${fixture.logPath}.1`);
    // Until USR1 reaches them, workers still write to the renamed file.
    await fixture.fetchAll(2);
    await fixture.nginx.reopenLogs();
    await fixture.fetchAll(3);
    await fixture.waitForExactHits();
    expect(tailer.stats().rotations).toBe(1);
  });

  it('counts every request once across two rotations in quick succession, the middle file never seen at the log path', async () => {
    fixture = await tailFixture();
    const tailer = fixture.tailer(slowLook);
    await tailer.start();
    await fixture.fetchAll(1);
    await tailer.catchUp();
    await fixture.fetchAll(1);
    renameSync(fixture.logPath, `${fixture.logPath}.1`);
    await fixture.nginx.reopenLogs();
    await fixture.fetchAll(2);
    renameSync(`${fixture.logPath}.1`, `${fixture.logPath}.2`);
    renameSync(fixture.logPath, `${fixture.logPath}.1`);
    await fixture.nginx.reopenLogs();
    await fixture.fetchAll(1);
    await tailer.catchUp();
    await fixture.waitForExactHits();
    // One change seen at the log path, three files read: the middle one was found among the rotations.
    expect(tailer.stats().rotations).toBe(1);
  });

  it('counts every request once across two quick rotations while watching', async () => {
    fixture = await tailFixture();
    const tailer = fixture.tailer();
    await tailer.start();
    for (let rotation = 0; rotation < 2; rotation += 1) {
      await fixture.fetchAll(1);
      if (existsSync(`${fixture.logPath}.1`)) renameSync(`${fixture.logPath}.1`, `${fixture.logPath}.2`);
      renameSync(fixture.logPath, `${fixture.logPath}.1`);
      await fixture.nginx.reopenLogs();
    }
    await fixture.fetchAll(1);
    await fixture.waitForExactHits();
  });

  it('survives copytruncate, reading the lines it had not reached from the copy', async () => {
    fixture = await tailFixture();
    const tailer = fixture.tailer(slowLook);
    await tailer.start();
    await fixture.fetchAll(2);
    await tailer.catchUp();
    await fixture.fetchAll(2);
    // logrotate copytruncate: copy, then truncate in place; nginx keeps appending to the same inode.
    copyFileSync(fixture.logPath, `${fixture.logPath}.1`);
    truncateSync(fixture.logPath, 0);
    await fixture.fetchAll(1);
    await tailer.catchUp();
    await fixture.waitForExactHits();
    expect(tailer.stats().truncations).toBe(1);
  });

  it('survives copytruncate while following closely', async () => {
    fixture = await tailFixture();
    const tailer = fixture.tailer();
    await tailer.start();
    await fixture.fetchAll(2);
    copyFileSync(fixture.logPath, `${fixture.logPath}.1`);
    truncateSync(fixture.logPath, 0);
    await fixture.fetchAll(3);
    await fixture.waitForExactHits();
  });

  it.each([
    ['shorter', 1],
    ['longer', 6],
  ])('reads the log from the start after it was truncated while stopped and rewritten %s than the old offset', async (_, rounds) => {
    fixture = await tailFixture();
    let tailer = fixture.tailer();
    await tailer.start();
    await fixture.fetchAll(3);
    await fixture.waitForExactHits();
    await tailer.stop();
    const offsetBefore = loadCursor(fixture.store)!.offset;
    truncateSync(fixture.logPath, 0);
    await fixture.fetchAll(rounds);
    tailer = fixture.tailer();
    await tailer.start();
    await fixture.waitForExactHits();
    expect(loadCursor(fixture.store)!.offset > offsetBefore).toBe(rounds > 3);
  });

  it('drains the old file first after a rotation while stopped', async () => {
    fixture = await tailFixture();
    let tailer = fixture.tailer();
    await tailer.start();
    await fixture.fetchAll(1);
    await fixture.waitForExactHits();
    await tailer.stop();
    await fixture.fetchAll(2); // unread lines in the file about to be rotated
    renameSync(fixture.logPath, `${fixture.logPath}.1`);
    await fixture.nginx.reopenLogs();
    await fixture.fetchAll(1);
    tailer = fixture.tailer();
    await tailer.start();
    await fixture.waitForExactHits();
  });

  it('reads the log from the start when its inode was reused by a new file while stopped', async (ctx) => {
    fixture = await tailFixture();
    let tailer = fixture.tailer();
    let cursor: ReturnType<typeof loadCursor> | undefined;
    let reused: string | undefined;
    const missed: number[] = [];
    // ext4 hands a freed inode out again at once, unless another process on the machine takes it first (a
    // busy machine's temp folder): then the round starts over with the log nginx made meanwhile.
    for (let round = 0; round < 5 && !reused; round += 1) {
      await tailer.start();
      await fixture.fetchAll(2);
      await fixture.waitForExactHits();
      await tailer.stop();
      cursor = loadCursor(fixture.store)!;
      // nginx holds the log open: only after it reopens is the old inode free for a new file.
      unlinkSync(fixture.logPath);
      await fixture.nginx.reopenLogs();
      reused = fileWithInode(path.dirname(fixture.logPath), cursor.ino);
      if (!reused) missed.push(cursor.ino);
      tailer = fixture.tailer();
    }
    // Five rounds lost: this run cannot stage the reuse, and says so instead of passing or failing for nothing.
    if (!reused) return ctx.skip(`the file system gave inodes ${missed.join(', ')} to other files first`);
    const staged = cursor!;
    renameSync(reused, fixture.logPath);
    await fixture.nginx.reopenLogs();
    expect(statSync(fixture.logPath).ino).toBe(staged.ino);
    await fixture.fetchAll(4); // longer than before: the offset alone would look valid
    expect(statSync(fixture.logPath).size).toBeGreaterThan(staged.offset);
    await tailer.start();
    await fixture.waitForExactHits();
  });

  it('counts a line once when it was half written before a restart and completed after', async () => {
    fixture = await tailFixture();
    let tailer = fixture.tailer();
    await tailer.start();
    await fixture.fetchAll(1);
    await fixture.waitForExactHits();
    const line = `${JSON.stringify({ msec: (Date.now() / 1000).toFixed(3), status: '200', request_uri: `/${fixture.paths[0]}`, uri: `/${fixture.paths[0]}` })}\n`;
    appendFileSync(fixture.logPath, line.slice(0, 40));
    await tailer.catchUp();
    await tailer.stop();
    appendFileSync(fixture.logPath, line.slice(40));
    fixture.served.set(fixture.paths[0], fixture.served.get(fixture.paths[0])! + 1);
    tailer = fixture.tailer();
    await tailer.start();
    await fixture.fetchAll(1);
    await fixture.waitForExactHits();
    expect(tailer.stats().bad).toBe(0);
  });
});

/** Creates files in `dir` until one gets inode `ino` (ext4 hands a freed inode out again at once); returns its path, if any does. */
function fileWithInode(dir: string, ino: number): string | undefined {
  const tries: string[] = [];
  try {
    for (let i = 0; i < 5_000; i += 1) {
      const candidate = path.join(dir, `reuse-${i}`);
      writeFileSync(candidate, '');
      if (statSync(candidate).ino === ino) return candidate;
      tries.push(candidate);
    }
  } finally {
    for (const file of tries) rmSync(file, { force: true });
  }
  return undefined;
}
