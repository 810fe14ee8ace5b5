// `casterpakd warm <path…>`: package renditions ahead of demand, in this process, against the daemon's cache and database.

import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { CacheFiller } from '../../cache/filler.js';
import { warmRendition, type WarmedRendition } from '../../cache/warm.js';
import type { Config } from '../../config.js';
import { createLogger, silentLogger } from '../../log.js';
import { createPackager } from '../../packagers/index.js';
import { Store } from '../../store/store.js';
import { formatBytes } from '../../units.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';
import { EXIT_CODES_HELP, EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import { ProgressBar } from '../progress.js';
import { renditionsFromArgs, type RenditionArg } from '../rendition-args.js';

interface WarmOptions {
  quiet?: boolean;
  verbose?: boolean;
  cmaf?: boolean;
  subtitles?: boolean;
}

function complain(message: string): void {
  process.stderr.write(`casterpakd warm: ${message}\n`);
}

function summary(warmed: readonly WarmedRendition[], failed: number): string {
  const files = warmed.reduce((sum, w) => sum + w.files, 0);
  const packaged = warmed.reduce((sum, w) => sum + w.packaged, 0);
  const bytes = warmed.reduce((sum, w) => sum + w.packagedBytes, 0);
  const failures = failed > 0 ? `; ${failed} failed` : '';
  return `warmed ${warmed.length} rendition(s): ${files} files cached, ${packaged} packaged now (${formatBytes(bytes)})${failures}\n`;
}

/** Warms each rendition in turn; one failing does not stop the others. Returns the failures. */
async function warmAll(config: Config, renditions: readonly RenditionArg[], options: WarmOptions): Promise<{ warmed: WarmedRendition[]; failed: number }> {
  const packager = createPackager(config);
  await packager.probe();
  await fs.mkdir(config.cacheDir, { recursive: true });
  const store = Store.open(config.stateDir);
  const log = options.verbose ? createLogger('info') : silentLogger;
  const filler = new CacheFiller({ config, store, packager, log });
  const deps = { filler, store, urlPrefix: config.urlPrefix, concurrency: config.maxConcurrentPackaging, cmaf: options.cmaf === true, subtitles: options.subtitles === true };
  const bar = new ProgressBar(process.stderr, !options.quiet && process.stderr.isTTY === true);
  const warmed: WarmedRendition[] = [];
  let failed = 0;
  try {
    for (const [i, { sourceRel }] of renditions.entries()) {
      const label = (done: number, total: number) => `${i + 1}/${renditions.length} ${sourceRel} (${done}/${total} files)`;
      try {
        warmed.push(await warmRendition(deps, sourceRel, (done, total) => bar.update((i + done / total) / renditions.length, label(done, total), done === total)));
      } catch (err) {
        bar.finish();
        complain(`${sourceRel}: ${(err as Error).message}`);
        failed += 1;
      }
    }
  } finally {
    bar.finish();
    store.close();
    await filler.source.close();
  }
  return { warmed, failed };
}

export async function runWarm(paths: readonly string[], options: WarmOptions & Record<string, unknown>): Promise<number> {
  const config = configFromOptions(options);
  const { renditions, problems } = await renditionsFromArgs(paths, config, true);
  for (const problem of problems) complain(problem.message);
  if (renditions.length === 0) return EXIT_ERROR;
  const { warmed, failed } = await warmAll(config, renditions, options);
  if (!options.quiet) process.stdout.write(summary(warmed, failed));
  return failed + problems.length > 0 ? EXIT_ERROR : EXIT_OK;
}

export function registerWarm(program: Command): void {
  const command = program
    .command('warm')
    .description('package renditions ahead of demand: each playlist and every segment, into the same cache and database as the daemon')
    .argument('<path...>', 'a rendition or a folder of them: relative to media_root, absolute below it, or a URL path under url_prefix')
    .option('-q, --quiet', 'print only errors (no progress bar, no summary)')
    .option('--verbose', 'log every packaging run')
    .option('--cmaf', 'also the CMAF files (fMP4 HLS and DASH: playlists, init and media segments); builtin packager only')
    .option('--subtitles', "also the master and the subtitle files of every track it lists (WebVTT playlists, segments, whole tracks); builtin packager only")
    .addHelpText('after', `\nRun it as the daemon's user, so that the files it writes belong to that user.\nA progress bar is drawn on standard error when it is a terminal.\n${EXIT_CODES_HELP}`);
  withConfigOptions(command).action(async (paths: string[], options: WarmOptions & Record<string, unknown>) => {
    process.exitCode = await runWarm(paths, options);
  });
}
