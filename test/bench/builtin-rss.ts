// Child process of the builtin benchmark: muxes every segment of one source and prints its peak RSS in bytes.

import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createBuiltinPackager } from '../../daemon/packagers/builtin.js';
import { localOpenSource } from '../../daemon/source/open-source.js';

async function main(): Promise<void> {
  const absPath = process.argv[2];
  const handle = await open(absPath, 'r');
  const stat = await handle.stat();
  const src = localOpenSource(handle, { absPath, relPath: 'bench.mp4', sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
  const packager = createBuiltinPackager({ segmentDurationSec: Number(process.argv[3] ?? 10) });
  const { durationsSec } = await packager.plan(src);
  const signal = new AbortController().signal;
  // As the daemon's miss path does: each segment muxed into the packager's reused buffer and let go once used.
  for (let n = 1; n <= durationsSec.length; n++) await packager.withSegment(src, n, signal, async (bytes) => bytes.length);
  await packager.parsePool.close();
  await handle.close();
  // VmHWM, this process's own high-water mark: getrusage's maxRSS is carried over exec from the process
  // that spawned this one, so it reported the benchmark's own size whenever that was larger.
  const hwmKb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
  process.stdout.write(`${hwmKb * 1024}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
