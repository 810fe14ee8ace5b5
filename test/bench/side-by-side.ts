// Two URLs of one nginx measured in alternating back-to-back rounds, with the CPU time nginx's workers spent.

import { readFileSync } from 'node:fs';
import { childPids } from '../helpers/processes.js';
import { wrk, type WrkOptions, type WrkResult } from './wrk.js';

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICKS_PER_SEC = 100;

export type Side = 'casterpak' | 'reference';

export interface Measured extends WrkResult {
  /** CPU seconds (user + system) nginx's workers spent during the run. */
  workerCpuSec: number;
  cpuSecPerRequest: number;
}

export interface SideBySide {
  /** Each side's figures, the median of its rounds. */
  casterpak: Measured;
  reference: Measured;
  /** Median over rounds of casterpak ÷ reference requests/s, each pair measured back to back. */
  throughputRatio: number;
  /** Median over rounds of reference ÷ casterpak worker CPU per request: like a throughput ratio, 1 is parity. */
  cpuRatio: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** utime + stime of every worker of the nginx master, in seconds. */
function workersCpuSec(masterPid: number): number {
  return childPids(masterPid).reduce((sum, pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After the command: state(0) ppid(1) … utime(11) stime(12), proc(5).
      return sum + (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
    } catch {
      return sum;
    }
  }, 0);
}

async function measure(masterPid: number, url: string, options: WrkOptions): Promise<Measured> {
  const cpuBefore = workersCpuSec(masterPid);
  const result = await wrk(url, options);
  const workerCpuSec = workersCpuSec(masterPid) - cpuBefore;
  return { ...result, workerCpuSec, cpuSecPerRequest: workerCpuSec / Math.max(result.requests, 1) };
}

/** Each figure's median over the rounds of one side (so the shown values are typical, not lucky). */
function medians(list: Measured[]): Measured {
  const of = (pick: (m: Measured) => number) => median(list.map(pick));
  return {
    requests: of((m) => m.requests),
    requestsPerSec: of((m) => m.requestsPerSec),
    transferBytesPerSec: of((m) => m.transferBytesPerSec),
    latencyP50Ms: of((m) => m.latencyP50Ms),
    latencyP99Ms: of((m) => m.latencyP99Ms),
    workerCpuSec: of((m) => m.workerCpuSec),
    cpuSecPerRequest: of((m) => m.cpuSecPerRequest),
  };
}

/**
 * Many short rounds, each measuring both URLs back to back in alternating order, so that other load
 * on the machine (which comes and goes) weighs on both sides alike. Each figure is a median of
 * per-round ratios; the CPU figure is the least disturbed by other processes.
 */
export async function sideBySide(masterPid: number, urls: Record<Side, string>, options: WrkOptions & { rounds: number }): Promise<SideBySide> {
  const results: Record<Side, Measured[]> = { casterpak: [], reference: [] };
  for (let round = 0; round < options.rounds; round += 1) {
    const order: Side[] = round % 2 === 0 ? ['reference', 'casterpak'] : ['casterpak', 'reference'];
    for (const side of order) results[side].push(await measure(masterPid, urls[side], options));
  }
  return {
    casterpak: medians(results.casterpak),
    reference: medians(results.reference),
    throughputRatio: median(results.casterpak.map((c, i) => c.requestsPerSec / results.reference[i].requestsPerSec)),
    cpuRatio: median(results.casterpak.map((c, i) => results.reference[i].cpuSecPerRequest / c.cpuSecPerRequest)),
  };
}
