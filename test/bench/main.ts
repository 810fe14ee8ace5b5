// `npm run bench`: runs every benchmark module in turn and prints one table of all their rows.

import { builtinBench } from './builtin.js';
import { cmafBench } from './cmaf.js';
import { footprintBench } from './footprint.js';
import { hitsBench } from './hits.js';
import { remoteBench } from './remote.js';
import { responsivenessBench } from './responsiveness.js';
import { formatTable, type BenchModule, type BenchRow } from './table.js';
import { tailBench } from './tail.js';
import { vodBench } from './vod.js';

/** Each module measures its figures side by side with its reference, in the same run. */
const MODULES: BenchModule[] = [hitsBench, builtinBench, cmafBench, responsivenessBench, tailBench, footprintBench, vodBench, remoteBench];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  for (const module of MODULES.filter((m) => only.length === 0 || only.some((o) => m.name.includes(o)))) {
    process.stderr.write(`bench: ${module.name}…\n`);
    rows.push(...(await module.run()));
  }
  process.stdout.write(`${formatTable(rows)}\n`);
  if (rows.some((r) => r.met === false)) process.stderr.write('bench: some targets were not met\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
