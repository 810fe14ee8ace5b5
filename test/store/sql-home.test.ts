// SQL lives in store/: no other daemon file reaches the database or prepares a statement itself.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SQL } from '../../daemon/store/sql.js';
import { Store } from '../../daemon/store/store.js';
import { daemonFiles, daemonText } from '../helpers/daemon-sources.js';

/** What only store/ may write: the raw database handle, a prepared statement, a pragma, the driver itself. */
const DATABASE_ACCESS = /\.db\.|\.prepare\(|\.pragma\(|['"]better-sqlite3['"]/;

describe('where SQL lives', () => {
  it('leaves the database handle, prepare and the driver to daemon/store/', () => {
    const outside = daemonFiles()
      .filter((file) => !file.startsWith('store/'))
      .flatMap((file) =>
        daemonText(file)
          .split('\n')
          .map((line, i) => ({ file, line: i + 1, text: line.trim() }))
          .filter(({ text }) => !text.startsWith('//') && !text.startsWith('*') && DATABASE_ACCESS.test(text)),
      );
    expect(outside).toEqual([]);
  });

  it('names a statement outside daemon/store/ only by a literal name, which the compiler checks against store/sql.ts', () => {
    const calls = daemonFiles()
      .filter((file) => !file.startsWith('store/'))
      .flatMap((file) => [...daemonText(file).matchAll(/\.statement\(([^)]*)\)/g)].map((m) => ({ file, argument: m[1] })));
    // The scan does find the callers (prune, the tailer's rows): the check below is not vacuous.
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.filter(({ argument }) => !/^'\w+'$/.test(argument))).toEqual([]);
  });

  it('refuses to run anything but a named statement of store/sql.ts, SQL text included', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-sql-'));
    const store = Store.open(dir);
    try {
      for (const name of ['SELECT 1', 'DELETE FROM cache_files', 'toString', '__proto__']) {
        expect(() => store.statement(name as keyof typeof SQL), name).toThrow(/no statement named .* in store\/sql\.ts/);
      }
      expect(store.statement('ping').get()).toBeDefined();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prepares every named statement of store/sql.ts against the current schema', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'casterpak-sql-'));
    const store = Store.open(dir);
    try {
      for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) expect(() => store.statement(name), name).not.toThrow();
      expect(() => store.ping()).not.toThrow();
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
