// Runs wrk (the Debian package) against one URL and reads its summary.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const WRK = process.env.WRK_BIN ?? 'wrk';

export interface WrkOptions {
  threads: number;
  connections: number;
  durationSec: number;
}

export interface WrkResult {
  /** Requests completed during the run. */
  requests: number;
  requestsPerSec: number;
  /** Bytes per second received, as wrk reports it (headers included). */
  transferBytesPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

function millis(value: string, unit: string): number {
  const factor = unit === 'us' ? 1e-3 : unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : NaN;
  return Number(value) * factor;
}

/** Parses wrk's `--latency` summary; throws when a request failed or answered with a non-2xx status. */
export function parseWrk(text: string): WrkResult {
  const total = /^\s*(\d+) requests in /m.exec(text);
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const transfer = /^Transfer\/sec:\s+([\d.]+)([KMGT]?B)/m.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\b/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\b/m.exec(text);
  if (!total || !rps || !transfer || !p50 || !p99) throw new Error(`cannot read wrk output:\n${text}`);
  const bad = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(text);
  if (bad) throw new Error(`wrk saw failures: ${bad[0]}`);
  return {
    requests: Number(total[1]),
    requestsPerSec: Number(rps[1]),
    transferBytesPerSec: Number(transfer[1]) * UNITS[transfer[2]],
    latencyP50Ms: millis(p50[1], p50[2]),
    latencyP99Ms: millis(p99[1], p99[2]),
  };
}

export async function wrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.durationSec}s`, '--latency', url];
  const { stdout } = await run(WRK, args, { maxBuffer: 4 * 1024 * 1024 });
  return parseWrk(stdout);
}
