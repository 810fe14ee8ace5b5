import { describe, expect, it } from 'vitest';
import { Limiter, SingleFlight } from '../../daemon/cache/single-flight.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise the test settles itself, so an ordering never rests on two timers racing. */
function gate(): { released: Promise<void>; release: () => void } {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  return { released, release };
}

describe('single flight', () => {
  it('runs one generation per key and hands its result to every waiter', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    const generate = async () => {
      runs += 1;
      await sleep(30);
      return 42;
    };
    const results = await Promise.all(Array.from({ length: 10 }, () => flights.run('k', generate, 1_000)));
    expect(results).toEqual(Array(10).fill(42));
    expect(runs).toBe(1);
    expect(flights.stats.waits).toBe(9);
    expect(flights.keys()).toEqual([]);
  });

  it('lets a waiter give up with BUSY while the generation goes on', async () => {
    const flights = new SingleFlight<string>();
    // The generation ends only when the test says so: the waiter's 20 ms bound passes first on any machine.
    const { released, release } = gate();
    let waiterRan = false;
    const first = flights.run('k', async () => (await released, 'done'), 1_000);
    await expect(flights.run('k', async () => ((waiterRan = true), 'never'), 20)).rejects.toMatchObject({ code: 'BUSY', status: 503 });
    release();
    await expect(first).resolves.toBe('done');
    expect(waiterRan).toBe(false);
  });
});

describe('limiter', () => {
  it('never runs more tasks at once than its bound', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const task = async () => {
      active += 1;
      peak = Math.max(peak, active);
      await sleep(10);
      active -= 1;
    };
    await Promise.all(Array.from({ length: 8 }, () => limiter.run(1_000, task)));
    expect(peak).toBe(2);
    expect(limiter.running).toBe(0);
  });

  it('refuses a task queued longer than its bound with BUSY, and runs the next one afterwards', async () => {
    const limiter = new Limiter(1);
    const { released, release } = gate();
    const long = limiter.run(1_000, () => released);
    await expect(limiter.run(20, async () => 'late')).rejects.toMatchObject({ code: 'BUSY' });
    expect(limiter.waiting).toBe(0);
    release();
    await long;
    await expect(limiter.run(20, async () => 'next')).resolves.toBe('next');
  });

  it('refuses a task at once with BUSY when its queue is full, and queues again once there is room', async () => {
    const limiter = new Limiter(1, 1);
    let release = () => {};
    const running = limiter.run(10_000, () => new Promise<void>((resolve) => (release = resolve)));
    const queued = limiter.run(10_000, async () => 'queued');
    const startedMs = Date.now();
    await expect(limiter.run(10_000, async () => 'refused')).rejects.toMatchObject({ code: 'BUSY', status: 503 });
    expect(Date.now() - startedMs).toBeLessThan(5_000);
    expect(limiter.waiting).toBe(1);
    release();
    await running;
    await expect(queued).resolves.toBe('queued');
    await expect(limiter.run(10_000, async () => 'later')).resolves.toBe('later');
  });
});
