// The tests' guard against a stale dist/: which sources count as newer than their build, and the rebuild itself.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertDistFresh, buildDistIfStale, staleSources } from './helpers/compiled.js';

const TSCONFIG = {
  compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'dist', rootDir: '.', types: [] },
  include: ['daemon/**/*.ts', 'test/bench/**/*.ts'],
};

let root: string;

/** Writes `rel` under the temp tree with the given mtime (seconds since the epoch). */
function put(rel: string, text: string, mtimeSec: number): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  utimesSync(file, mtimeSec, mtimeSec);
}

const relStale = () => staleSources(root).map((file) => path.relative(root, file)).sort();

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'casterpak-freshness-'));
  put('tsconfig.json', JSON.stringify(TSCONFIG), 1_000);
  put('daemon/cli/main.ts', 'export const answer: number = 1;\n', 2_000);
  put('daemon/util.ts', 'export const util = 2;\n', 2_000);
  put('test/bench/main.ts', "import '../helpers/used.js';\n", 2_000);
  put('test/helpers/used.ts', 'export {};\n', 2_000);
  put('test/helpers/not-compiled.ts', 'export {};\n', 9_000);
  for (const rel of ['daemon/cli/main.js', 'daemon/util.js', 'test/bench/main.js', 'test/helpers/used.js']) put(`dist/${rel}`, '', 3_000);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the freshness of dist/', () => {
  it('finds nothing stale when every compiled file is newer than its source, and a helper never compiled does not count', () => {
    expect(relStale()).toEqual([]);
    expect(() => assertDistFresh(root)).not.toThrow();
  });

  it('names a daemon source edited after the build, and refuses to let tests run the old build', () => {
    utimesSync(path.join(root, 'daemon/util.ts'), 4_000, 4_000);
    expect(relStale()).toEqual(['daemon/util.ts']);
    expect(() => assertDistFresh(root)).toThrow(/dist\/ is older than the sources \(daemon\/util\.ts\): run `npm run build`/);
  });

  it('names a new source that has no compiled file yet, and a compiled helper edited since', () => {
    put('daemon/new.ts', 'export const added = 3;\n', 2_000);
    utimesSync(path.join(root, 'test/helpers/used.ts'), 4_000, 4_000);
    expect(relStale()).toEqual(['daemon/new.ts', 'test/helpers/used.ts']);
  });

  it('counts every source stale when tsconfig.json changed after the build', () => {
    utimesSync(path.join(root, 'tsconfig.json'), 4_000, 4_000);
    expect(relStale()).toEqual(['daemon/cli/main.ts', 'daemon/util.ts', 'test/bench/main.ts', 'test/helpers/used.ts']);
  });

  it('rebuilds a stale tree with tsc, after which the compiled file holds the new code and nothing is stale', async () => {
    put('daemon/cli/main.ts', 'export const answer: number = 42;\n', 4_000);
    const rebuilt = (await buildDistIfStale(root)).map((file) => path.relative(root, file));
    expect(rebuilt).toEqual(['daemon/cli/main.ts']);
    expect(readFileSync(path.join(root, 'dist/daemon/cli/main.js'), 'utf8')).toMatch(/answer = 42/);
    expect(statSync(path.join(root, 'dist/daemon/cli/main.js')).mode & 0o111).not.toBe(0);
    expect(relStale()).toEqual([]);
    expect(await buildDistIfStale(root)).toEqual([]);
  });
});
