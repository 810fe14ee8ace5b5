// dist/, the daemon compiled by tsc, kept a build of the current sources for the tests that run it in another process.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

function runTsc(outDir: string, root: string): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json'), '--outDir', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc failed:\n${output}`))));
  });
}

/** The `.ts` files under `dir`, recursively (none when it does not exist). */
function sourcesUnder(dir: string): string[] {
  return existsSync(dir) ? sourceFiles(dir) : [];
}

/**
 * The sources whose compiled file in `<root>/dist` is missing or older than they are: every `.ts` that
 * tsconfig.json names (daemon/, test/bench/), and every other `.ts` under test/ that the build compiled
 * before (the helpers the benchmark imports). All of them when tsconfig.json is newer than the build.
 */
export function staleSources(root: string): string[] {
  const dist = path.join(root, 'dist');
  const compiledOf = (file: string) => path.join(dist, path.relative(root, file)).replace(/\.ts$/, '.js');
  const named = [...sourcesUnder(path.join(root, 'daemon')), ...sourcesUnder(path.join(root, 'test', 'bench'))];
  const compiledBefore = sourcesUnder(path.join(root, 'test')).filter((file) => !named.includes(file) && existsSync(compiledOf(file)));
  const entry = path.join(dist, 'daemon', 'cli', 'main.js');
  const tsconfig = path.join(root, 'tsconfig.json');
  const configNewer = existsSync(entry) && existsSync(tsconfig) && statSync(tsconfig).mtimeMs > statSync(entry).mtimeMs;
  return [...named, ...compiledBefore].filter((file) => {
    const compiled = compiledOf(file);
    return configNewer || !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(file).mtimeMs;
  });
}

let checkedFresh = false;

/**
 * Throws, naming the stale sources, when dist/ does not hold a build of the current sources. Every test that
 * runs dist/ goes through this (vitest's global setup rebuilds first, so it fails only outside `vitest run`).
 */
export function assertDistFresh(root = REPO_ROOT): void {
  if (checkedFresh && root === REPO_ROOT) return;
  const stale = staleSources(root);
  if (stale.length > 0) {
    const names = stale.slice(0, 5).map((file) => path.relative(root, file)).join(', ');
    throw new Error(`dist/ is older than the sources (${names}${stale.length > 5 ? ', …' : ''}): run \`npm run build\``);
  }
  if (root === REPO_ROOT) checkedFresh = true;
}

/** `npm run build` (tsc into dist/, the entry point made executable) when dist/ is stale; resolves with what was stale. */
export async function buildDistIfStale(root = REPO_ROOT): Promise<string[]> {
  const stale = staleSources(root);
  if (stale.length === 0) return [];
  await runTsc(path.join(root, 'dist'), root);
  chmodSync(path.join(root, 'dist', 'daemon', 'cli', 'main.js'), 0o755);
  return stale;
}

/** The compiled daemon (dist/), checked to be a build of the current sources; it holds `daemon/…`. */
export async function compiledDaemon(): Promise<string> {
  assertDistFresh();
  return path.join(REPO_ROOT, 'dist');
}
