// A rendition's file names are written in layout/ alone, and the package generation key in store/generation-keys.ts alone.

import { describe, expect, it } from 'vitest';
import { daemonFiles, daemonText } from '../helpers/daemon-sources.js';

/** A quoted string that is one of our file names, or ends in one after a slash (`'cmaf/master.m3u8'`). */
const NAME_LITERAL = /['"`](?:[^'"`\s]*\/)?(?:master\.m3u8|manifest\.mpd|index_0_av\.m3u8|iframes_0_v\.m3u8)['"`]/;
/** The segment name built or patterned outside its function: `segment${n}_0_av.ts`, `segment%d_0_av.ts`. */
const SEGMENT_PATTERN = /segment(?:\$\{[^}]*\}|%d)_0_av\.ts/;
/** The package generation key's prefix, in quotes. */
const PACKAGE_KEY = /['"`]pkg:/;

/** Code lines of `file` (comment lines dropped) that match `pattern`, as `file:line: text`. */
function codeMatches(file: string, pattern: RegExp): string[] {
  return daemonText(file)
    .split('\n')
    .map((text, i) => ({ text: text.trim(), line: i + 1 }))
    .filter(({ text }) => !text.startsWith('//') && !text.startsWith('*') && !text.startsWith('/*') && pattern.test(text))
    .map(({ text, line }) => `${file}:${line}: ${text}`);
}

describe('one home for each name', () => {
  const files = daemonFiles();

  it('writes file names of a rendition in layout/ only', () => {
    const outside = files.filter((file) => !file.startsWith('layout/'));
    expect(outside.length).toBeGreaterThan(100);
    expect(outside.flatMap((file) => [...codeMatches(file, NAME_LITERAL), ...codeMatches(file, SEGMENT_PATTERN)])).toEqual([]);
    // The patterns do find the names where they live: the check above is not vacuous.
    expect(codeMatches('layout/rendition-files.ts', NAME_LITERAL)).not.toEqual([]);
    expect(codeMatches('layout/rendition-files.ts', /segment\$\{/)).not.toEqual([]);
  });

  it('spells the package generation key in store/generation-keys.ts only', () => {
    expect(files.filter((file) => file !== 'store/generation-keys.ts').flatMap((file) => codeMatches(file, PACKAGE_KEY))).toEqual([]);
    expect(codeMatches('store/generation-keys.ts', PACKAGE_KEY)).toHaveLength(1);
  });
});
