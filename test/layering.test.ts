// The layering rule of daemon/ holds: no import cycle between files, no stage folder importing from one above it; the test helpers have no cycle either.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { daemonFiles, daemonText } from './helpers/daemon-sources.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The files directly in daemon/ (config, errors, units, …): below every stage folder. */
const BASE = 'base';

/**
 * Every relative import of a file, as a daemon-relative path: `import`, `import type`, `export … from` and
 * `import()`, read by the TypeScript compiler's own pre-processor (type-only imports count: they tie files too).
 */
function importsOf(file: string, text = daemonText(file)): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((ref) => ref.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec.replace(/\.js$/, '.ts'))));
}

function stageOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : BASE;
}

/** The order the README's Layout section states: the line `base → layout/ → … → cli/`. */
function statedOrder(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('\n## Layout'));
  const line = layout.split('\n').find((l) => l.trim().startsWith(`${BASE} → `));
  if (!line) throw new Error('README.md, section Layout: no line `base → … → cli/` stating the layer order');
  return line.trim().split(' → ').map((stage) => stage.replace(/\/$/, ''));
}

/** Groups of files that import one another, directly or through others (Tarjan's strongly connected components). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const dep of graph.get(file) ?? []) {
      if (!graph.has(dep)) continue;
      if (!index.has(dep)) {
        visit(dep);
        low.set(file, Math.min(low.get(file)!, low.get(dep)!));
      } else if (onStack.has(dep)) {
        low.set(file, Math.min(low.get(file)!, index.get(dep)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** Imports from a stage folder to one after it in `order`, and from a base file to any folder, as `from → to`. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>, order: readonly string[]): string[] {
  const upward: string[] = [];
  for (const [file, deps] of graph) {
    for (const dep of deps) {
      if (order.indexOf(stageOf(dep)) > order.indexOf(stageOf(file))) upward.push(`${file} → ${dep}`);
    }
  }
  return upward;
}

const files = daemonFiles();
const graph = new Map(files.map((file) => [file, importsOf(file)]));

describe('layering of daemon/', () => {
  it('states one total order in the README that places every stage folder once, the base first', () => {
    const order = statedOrder();
    const folders = [...new Set(files.map(stageOf))].filter((stage) => stage !== BASE).sort();
    expect(order[0]).toBe(BASE);
    expect(new Set(order).size).toBe(order.length);
    expect([...order.slice(1)].sort()).toEqual(folders);
  });

  it('has no import cycle between files, type-only imports included', () => {
    expect(importCycles(graph)).toEqual([]);
  });

  it('has no import from a stage folder to one after it in the order, and no base file importing a folder', () => {
    expect(upwardImports(graph, statedOrder())).toEqual([]);
  });

  it('has no import cycle between the test helpers either, type-only imports included', () => {
    const helpers = readdirSync(path.join(ROOT, 'test', 'helpers')).filter((name) => name.endsWith('.ts'));
    const helperGraph = new Map(helpers.map((name) => [name, importsOf(name, readFileSync(path.join(ROOT, 'test', 'helpers', name), 'utf8'))]));
    expect(helperGraph.size).toBeGreaterThan(20);
    expect(importCycles(helperGraph)).toEqual([]);
  });

  it('resolves every relative import to a file of daemon/', () => {
    const dangling = [...graph].flatMap(([file, deps]) => deps.filter((dep) => !graph.has(dep)).map((dep) => `${file} → ${dep}`));
    expect(dangling).toEqual([]);
  });
});

describe('the layering checks themselves', () => {
  it('reads type-only imports, re-exports and dynamic imports as imports, relative to the importing file', () => {
    const text = [
      "import type { Store } from '../store/store.js';",
      "import { type Config } from '../config.js';",
      "export type { Movie } from '../mp4/types.js';",
      "export * from './paths.js';",
      "const lazy = () => import('../packagers/index.js');",
      "import { readFile } from 'node:fs';",
    ].join('\n');
    expect(importsOf('cache/filler.ts', text)).toEqual(['store/store.ts', 'config.ts', 'mp4/types.ts', 'cache/paths.ts', 'packagers/index.ts']);
  });

  it('finds a cycle made of type-only imports alone, through a third file, and a file importing itself', () => {
    const cyclic = new Map([
      ['cache/filler.ts', ['cache/iframe-filler.ts']],
      ['cache/iframe-filler.ts', ['cache/fill-result.ts']],
      ['cache/fill-result.ts', ['cache/filler.ts']],
      ['mp4/sample-entry.ts', ['mp4/sample-entry.ts']],
      ['mp4/boxes.ts', []],
    ]);
    expect(importCycles(cyclic)).toEqual([['cache/fill-result.ts', 'cache/filler.ts', 'cache/iframe-filler.ts'], ['mp4/sample-entry.ts']]);
  });

  it('finds an import from a stage up to a later one, and a base file importing a folder', () => {
    const order = ['base', 'layout', 'packagers', 'cache'];
    const upward = new Map([
      ['packagers/index.ts', ['cache/filler.ts', 'layout/requests.ts']],
      ['config.ts', ['layout/sources.ts']],
      ['cache/filler.ts', ['packagers/index.ts', 'units.ts']],
    ]);
    expect(upwardImports(upward, order)).toEqual(['packagers/index.ts → cache/filler.ts', 'config.ts → layout/sources.ts']);
  });
});
