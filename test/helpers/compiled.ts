// The daemon compiled by tsc, for tests that need it in a separate process (kill -9, two writers at once).

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

function sourceHash(): string {
  const hash = createHash('sha1');
  for (const file of [...sourceFiles(path.join(REPO_ROOT, 'daemon')), path.join(REPO_ROOT, 'tsconfig.json')].sort()) {
    hash.update(file).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function runTsc(outDir: string): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', path.join(REPO_ROOT, 'tsconfig.json'), '--outDir', outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc failed:\n${output}`))));
  });
}

/** `npm test` builds dist/ first: when every compiled file is newer than its source, it is used as is. */
function distIsFresh(): boolean {
  const dist = path.join(REPO_ROOT, 'dist');
  return sourceFiles(path.join(REPO_ROOT, 'daemon')).every((file) => {
    const compiled = path.join(dist, path.relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    return existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(file).mtimeMs;
  });
}

/**
 * The root of a tsc build of the current sources (it holds `daemon/…`), built once per source hash. It lives
 * inside the repository so that compiled files resolve `node_modules` as the sources do.
 */
export async function compiledDaemon(): Promise<string> {
  if (distIsFresh()) return path.join(REPO_ROOT, 'dist');
  const outDir = path.join(REPO_ROOT, 'dist', 'test-build', sourceHash());
  if (existsSync(path.join(outDir, '.complete'))) return outDir;
  const building = `${outDir}.${process.pid}-${Date.now()}`;
  await runTsc(building);
  writeFileSync(path.join(building, '.complete'), '');
  try {
    renameSync(building, outDir);
  } catch {
    // Another test file built the same sources meanwhile: theirs is as good.
    rmSync(building, { recursive: true, force: true });
  }
  // Builds of older sources are of no further use.
  for (const name of readdirSync(path.dirname(outDir))) {
    if (/^[0-9a-f]{16}$/.test(name) && name !== path.basename(outDir)) rmSync(path.join(path.dirname(outDir), name), { recursive: true, force: true });
  }
  return outDir;
}
