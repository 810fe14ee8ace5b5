// `casterpakd ls [--json]`: the cached renditions with their size, hits and last access.

import { Option, type Command } from 'commander';
import { renditionSummaries, type RenditionSummary } from '../../store/operator-queries.js';
import { formatAgeSec, formatBytes } from '../../units.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';
import { EXIT_CODES_HELP, EXIT_OK } from '../exit-codes.js';
import { openExistingStore } from '../open-store.js';
import { renderTable, type Column } from '../table.js';

type SortKey = 'name' | 'hits' | 'size' | 'recent';

const SORTS: Record<SortKey, (a: RenditionSummary, b: RenditionSummary) => number> = {
  name: (a, b) => a.source_path.localeCompare(b.source_path),
  hits: (a, b) => b.hits - a.hits,
  size: (a, b) => b.bytes - a.bytes,
  recent: (a, b) => (b.last_access_ms ?? 0) - (a.last_access_ms ?? 0),
};

/** The JSON form: stable keys with units in their names, times both as epoch ms and ISO text. */
function jsonRow(r: RenditionSummary) {
  return {
    source: r.source_path,
    packager: r.packager,
    granularity: r.granularity,
    segments: r.segment_count,
    files: r.files,
    sizeBytes: r.bytes,
    hits: r.hits,
    lastAccessMs: r.last_access_ms,
    lastAccess: r.last_access_ms === null ? null : new Date(r.last_access_ms).toISOString(),
    createdMs: r.created_ms,
  };
}

function columns(nowMs: number): Column<RenditionSummary>[] {
  return [
    { title: 'RENDITION', cell: (r) => r.source_path },
    { title: 'PACKAGER', cell: (r) => r.packager },
    { title: 'FILES', cell: (r) => String(r.files), align: 'right' },
    { title: 'SIZE', cell: (r) => formatBytes(r.bytes), align: 'right' },
    { title: 'HITS', cell: (r) => String(r.hits), align: 'right' },
    { title: 'LAST ACCESS', cell: (r) => (r.last_access_ms === null ? 'never' : `${formatAgeSec(Math.max(0, (nowMs - r.last_access_ms) / 1000))} ago`) },
  ];
}

export function runLs(options: { json?: boolean; sort?: SortKey } & Record<string, unknown>): number {
  const store = openExistingStore(configFromOptions(options));
  let rows: RenditionSummary[];
  try {
    rows = renditionSummaries(store).sort(SORTS[options.sort ?? 'name']);
  } finally {
    store.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(rows.map(jsonRow), null, 2)}\n` : renderTable(columns(Date.now()), rows));
  return EXIT_OK;
}

export function registerLs(program: Command): void {
  const command = program
    .command('ls')
    .description('list the cached renditions with their size, hits and last access')
    .option('--json', 'print a JSON array (sizeBytes, hits, lastAccessMs, …) for scripts')
    .addOption(new Option('--sort <key>', 'order of the rows').choices(['name', 'hits', 'size', 'recent']).default('name'))
    .addHelpText('after', `\nSizes are on-disk bytes; hits come from nginx's access log (or the daemon itself in standalone mode).\n${EXIT_CODES_HELP}`);
  withConfigOptions(command).action((options: { json?: boolean; sort?: SortKey } & Record<string, unknown>) => {
    process.exitCode = runLs(options);
  });
}
