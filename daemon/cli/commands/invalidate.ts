// `casterpakd invalidate <path…>`: drop renditions' cached files and rows, e.g. after re-encoding their sources.

import type { Command } from 'commander';
import { invalidateRendition, packagedBelow, type InvalidatedRendition } from '../../cache/invalidate.js';
import { hasSourceExtension } from '../../layout/sources.js';
import type { Store } from '../../store/store.js';
import { formatBytes } from '../../units.js';
import { configFromOptions, withConfigOptions } from '../config-options.js';
import { EXIT_CODES_HELP, EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import { openExistingStore } from '../open-store.js';
import { sourceRelOf } from '../rendition-args.js';

interface InvalidateOptions {
  quiet?: boolean;
}

function complain(message: string): void {
  process.stderr.write(`casterpakd invalidate: ${message}\n`);
}

function describe(result: InvalidatedRendition): string {
  if (result.files === 0 && result.rows === 0 && result.packages === 0) return `${result.sourceRel}: nothing cached\n`;
  return `${result.sourceRel}: removed ${result.files} files (${formatBytes(result.bytes)}) and ${result.rows} rows\n`;
}

/** A rendition stands for itself; a folder for every packaged rendition below it (its sources may be gone). */
function renditionsNamed(store: Store, sourceRel: string): string[] {
  const name = sourceRel.split('/').pop() ?? '';
  return hasSourceExtension(name) ? [sourceRel] : packagedBelow(store, sourceRel);
}

export async function runInvalidate(paths: readonly string[], options: InvalidateOptions & Record<string, unknown>): Promise<number> {
  const config = configFromOptions(options);
  const store = openExistingStore(config);
  let failed = 0;
  try {
    for (const arg of paths) {
      try {
        const renditions = renditionsNamed(store, await sourceRelOf(arg, config));
        if (renditions.length === 0) throw new Error(`${arg}: no cached renditions below it`);
        for (const sourceRel of renditions) {
          const result = await invalidateRendition({ store, cacheDir: config.cacheDir, urlPrefix: config.urlPrefix }, sourceRel);
          if (!options.quiet) process.stdout.write(describe(result));
        }
      } catch (err) {
        complain((err as Error).message);
        failed += 1;
      }
    }
  } finally {
    store.close();
  }
  return failed > 0 ? EXIT_ERROR : EXIT_OK;
}

export function registerInvalidate(program: Command): void {
  const command = program
    .command('invalidate')
    .description("drop renditions' cached files and database rows (the next request packages them again)")
    .argument('<path...>', 'a rendition, or a folder for every cached rendition below it: relative to media_root, absolute below it, or a URL path under url_prefix')
    .option('-q, --quiet', 'print only errors')
    .addHelpText(
      'after',
      `\nFiles are unlinked, never truncated, so nginx finishes sending any it has open; then their rows are deleted\nin short transactions. A rendition being packaged right now is refused (exit 1): try again a moment later.\n${EXIT_CODES_HELP}`,
    );
  withConfigOptions(command).action(async (paths: string[], options: InvalidateOptions & Record<string, unknown>) => {
    process.exitCode = await runInvalidate(paths, options);
  });
}
