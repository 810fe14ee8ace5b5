// `casterpakd prune`: evict what nobody watched within the TTL, then least recently used down to the caps.

import type { Command } from 'commander';
import { runPrune, type PruneReport } from '../../prune/run-prune.js';
import { formatBytes, parseDurationSec, parseSizeBytes } from '../../units.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';

/**
 * Exit codes of `casterpakd prune`, for cron and systemd:
 *   0  done (or, with --dry-run, planned): nothing was refused
 *   1  error: bad config, unreadable database or cache, a failed unlink…
 *   2  bad usage: unknown flag, malformed --ttl or --max-size
 *   3  TTL eviction refused because the access-log tailer is behind or has never run; everything else
 *      (reconciliation, source changes, size cap, free space) was done. --force applies the TTL anyway.
 */
export const PRUNE_EXIT = { ok: 0, error: 1, usage: 2, ttlRefused: 3 } as const;

function summary(report: PruneReport): string {
  const verb = report.dryRun ? 'would evict' : 'evicted';
  const reasons = new Map<string, number>();
  for (const file of report.evicted.files) reasons.set(file.reason, (reasons.get(file.reason) ?? 0) + 1);
  const why = [...reasons].map(([reason, n]) => `${reason} ${n}`).join(', ');
  const lines = [`prune: ${verb} ${report.evicted.fileCount} files (${formatBytes(report.evicted.bytes)}), ${report.evicted.packages} whole packages${why ? ` [${why}]` : ''}`];
  if (!report.ttl.applied) lines.push(`prune: TTL not applied: ${report.ttl.refusedBecause}; nothing was deleted for age (use --force to apply it anyway)`);
  else if (report.ttl.refusedBecause) lines.push(`prune: TTL applied despite: ${report.ttl.refusedBecause} (--force)`);
  const r = report.reconciled;
  lines.push(`prune: reconciled: ${r.adopted.length} files without a row adopted, ${r.droppedRows.length} rows without a file dropped, ${r.tmpRemoved.length} stale temporary files and ${r.dirsRemoved.length} empty folders removed`);
  if (report.skipped.generating + report.skipped.touched > 0) lines.push(`prune: left alone: ${report.skipped.generating} being generated, ${report.skipped.touched} used since the plan`);
  const cap = report.cache.maxSizeBytes === undefined ? 'no cap' : `cap ${formatBytes(report.cache.maxSizeBytes)}`;
  const free = report.cache.freeBytes === undefined ? '' : `, ${formatBytes(report.cache.freeBytes)} free (min ${formatBytes(report.cache.minFreeBytes)})`;
  lines.push(`prune: cache ${formatBytes(report.cache.bytesBefore)} → ${formatBytes(report.cache.bytesAfter)} (${cap})${free}`);
  if (report.dryRun) for (const file of report.evicted.files) lines.push(`  ${file.reason.padEnd(14)} ${formatBytes(file.bytes).padStart(10)}  ${file.path}`);
  return `${lines.join('\n')}\n`;
}

function usageError(message: string): never {
  process.stderr.write(`casterpakd prune: ${message}\n`);
  process.exit(PRUNE_EXIT.usage);
}

export function registerPrune(program: Command): void {
  const command = program
    .command('prune')
    .description('evict cache files nobody watched within prune.ttl, then least recently used ones while over prune.max_size or under prune.min_free')
    .option('--dry-run', 'print what would be evicted and reconciled; change nothing')
    .option('--json', 'print the report as JSON (files and bytes, what was done or would be)')
    .option('--ttl <duration>', 'override prune.ttl for this run, e.g. 12h or 3d')
    .option('--max-size <size>', 'override prune.max_size for this run, e.g. 50GiB')
    .option('--force', 'apply the TTL even while the access-log tailer is behind or stale')
    .option('-q, --quiet', 'for cron: print nothing when all went well; the summary goes to standard error when the TTL was refused')
    .addHelpText('after', '\nExit codes: 0 done, 1 error, 2 bad usage, 3 TTL refused because the access-log tailer is behind (the rest was done).')
    // commander exits 1 on a usage error; prune documents 2.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : PRUNE_EXIT.usage));
  withConfigOptions(command).action(async (options: Record<string, unknown>) => {
    const ttlSec = options.ttl === undefined ? undefined : parseDurationSec(String(options.ttl));
    if (options.ttl !== undefined && ttlSec === undefined) usageError(`--ttl: expected a duration like 90s, 15m, 72h or 3d, got ${JSON.stringify(options.ttl)}`);
    const maxSizeBytes = options.maxSize === undefined ? undefined : parseSizeBytes(String(options.maxSize));
    if (options.maxSize !== undefined && maxSizeBytes === undefined) usageError(`--max-size: expected a size like 500MB or 50GiB, got ${JSON.stringify(options.maxSize)}`);
    const report = await runPrune(configFromOptions(options), { dryRun: options.dryRun === true, force: options.force === true, ttlSec, maxSizeBytes });
    process.exitCode = report.ttl.applied ? PRUNE_EXIT.ok : PRUNE_EXIT.ttlRefused;
    const text = options.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report);
    // cron mails whatever a job prints: quiet runs speak only when something needs a look (errors go to stderr anyway).
    if (!options.quiet) process.stdout.write(text);
    else if (process.exitCode !== PRUNE_EXIT.ok) process.stderr.write(text);
  });
}
