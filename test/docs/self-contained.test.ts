// The repository explains itself: every document, rule and anchor that a file cites exists in the repository.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What is scanned: the code, the files users install, the tests, and the documentation. */
const SCANNED = ['daemon', 'nginx', 'systemd', 'test', 'docs', 'README.md', 'package.json'];

/** A rule cited by number: rules here have names (docs/cache-and-log-rules.md), never numbers. */
const RULE_NUMBER = /\brules?\s+\d+/gi;
/** The team's notes outside the repository, cited by their folder. */
const OUTSIDE_NOTES = /\.\.\/shared\b|\/work\/shared\b/g;
/** A Markdown file named in any text (a relative or absolute path ending in the .md extension), with an optional `#anchor`. */
const MD_CITATION = /(?<![\w./-])([\w./-]*[\w-]\.md)\b(#[\w-]+)?/g;
/** A README section cited by its heading in prose: `README, "Replacing a source"`, `the README's Security section`. */
const README_SECTION = /README(?:'s)?,? "([^"]+)"|the README's ([\w-]+(?: [\w-]+)?) section/g;
/** A same-page link in Markdown: `](#name)`. */
const LOCAL_ANCHOR = /\]\(#([\w-]+)\)/g;

interface Finding {
  readonly file: string;
  readonly line: number;
  readonly citation: string;
  readonly problem: string;
}

function walk(rel: string): string[] {
  const abs = path.join(ROOT, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs).flatMap((name) => walk(path.posix.join(rel, name)));
}

function scannedFiles(): string[] {
  return SCANNED.flatMap(walk).filter((rel) => !readFileSync(path.join(ROOT, rel)).includes(0));
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingSlugs(markdown: string): string[] {
  const slugs: string[] = [];
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1].toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.push(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** The README's headings, lower case, for citations by a section's name. */
function readmeHeadings(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^#{1,6}\s+(.*?)\s*$/gm)].map((m) => m[1].toLowerCase());
}

/** Anchors a Markdown file defines: explicit `id="…"`/`name="…"` attributes and heading slugs. */
function anchorsOf(relPath: string): Set<string> {
  const text = readFileSync(path.join(ROOT, relPath), 'utf8');
  const explicit = [...text.matchAll(/\b(?:id|name)="([\w-]+)"/g)].map((m) => m[1]);
  return new Set([...explicit, ...headingSlugs(text)]);
}

/**
 * The repository file a citation names, or undefined: relative to the repository root or to the citing
 * file's folder; an absolute path (an install location such as /opt/casterpak/README.md) by its tail.
 */
function resolveCitation(citingFile: string, cited: string): string | undefined {
  const candidates: string[] = [];
  if (cited.startsWith('/')) {
    const parts = cited.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i += 1) candidates.push(parts.slice(i).join('/'));
  } else {
    candidates.push(path.posix.normalize(cited), path.posix.join(path.posix.dirname(citingFile), cited));
  }
  return candidates.find((rel) => !rel.startsWith('..') && existsSync(path.join(ROOT, rel)) && statSync(path.join(ROOT, rel)).isFile());
}

/** Every citation in `text` (the content of `file`) that the repository cannot answer. */
function brokenCitations(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((lineText, index) => {
    const add = (citation: string, problem: string) => findings.push({ file, line: index + 1, citation, problem });
    for (const m of lineText.matchAll(RULE_NUMBER)) add(m[0], 'a rule cited by number: cite docs/cache-and-log-rules.md#<name>, or explain it here');
    for (const m of lineText.matchAll(OUTSIDE_NOTES)) add(m[0], 'notes outside the repository');
    for (const m of lineText.matchAll(README_SECTION)) {
      const section = (m[1] ?? m[2]).toLowerCase();
      if (!readmeHeadings().some((heading) => heading.startsWith(section))) add(m[0], 'README.md has no section of that name');
    }
    for (const m of lineText.matchAll(MD_CITATION)) {
      const [citation, cited, hash] = m;
      const target = resolveCitation(file, cited);
      if (!target) add(citation, 'no such document in the repository');
      else if (hash && !anchorsOf(target).has(hash.slice(1))) add(citation, `${target} defines no anchor ${hash}`);
    }
    if (file.endsWith('.md')) {
      for (const m of lineText.matchAll(LOCAL_ANCHOR)) {
        if (!anchorsOf(file).has(m[1])) add(`#${m[1]}`, `${file} defines no anchor #${m[1]}`);
      }
    }
  });
  return findings;
}

const show = (f: Finding) => `${f.file}:${f.line}: ${f.citation} (${f.problem})`;

describe('the repository explains itself', () => {
  it('cites no document, numbered rule or anchor that the repository does not hold', () => {
    const files = scannedFiles();
    // The scan does reach the code, the installed files and the docs: the check below is not vacuous.
    for (const rel of ['daemon/cache/publish.ts', 'nginx/casterpak-server.conf', 'systemd/casterpakd.service', 'docs/cache-and-log-rules.md']) {
      expect(files).toContain(rel);
    }
    const findings = files.flatMap((rel) => brokenCitations(rel, readFileSync(path.join(ROOT, rel), 'utf8')));
    expect(findings.map(show)).toEqual([]);
  });

  it('links every page under docs/ from the README', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const pages = walk('docs').filter((rel) => rel.endsWith('.md'));
    expect(pages.length).toBeGreaterThan(0);
    for (const page of pages) expect(readme).toContain(`](${page}`);
  });

  // The cited texts are assembled from pieces: this file is scanned too, and must not cite them itself.
  const numbered = ['(rule', '13)'].join(' ');
  const teamNote = ['DESIGN', 'md'].join('.');
  const md = (file: string, anchor?: string) => `${file}.md${anchor ? `#${anchor}` : ''}`;

  it.each([
    ['a rule by number', 'daemon/cache/publish.ts', `/** nginx finishes sending an unlinked file ${numbered}. */`],
    ['a range of rules', 'nginx/casterpak-server.conf', `# X-Accel-Redirect: <path>, percent-encoded (${['rules', '14-16'].join(' ')}).`],
    ['a note outside the repository', 'daemon/plan/playlist.ts', `// The media playlist text, in the original project's form (${teamNote}).`],
    ['a note by its folder', 'README.md', `See [the notes](${['..', 'shared', 'docs'].join('/')}).`],
    ['an anchor the rules page lacks', 'daemon/store/store.ts', `// see ${md('docs/cache-and-log-rules', 'no-such-rule')}`],
    ['a page the docs folder lacks', 'daemon/store/store.ts', `// see ${md('docs/sqlite-notes', 'sqlite-wal')}`],
    ['a same-page link to a missing anchor', 'docs/cache-and-log-rules.md', 'as [tmp-sweep](#tmp-sweep-gone) says'],
    ['a README section by a name it lacks', 'nginx/casterpak-http.conf', `# Renamed sources (${['README,', '"Renaming the sources"'].join(' ')}) keep their URLs.`],
    ['a README section named in prose that it lacks', 'daemon/config.ts', `// (see ${["the README's", 'Hardening', 'section'].join(' ')}).`],
  ])('flags %s', (_what, file, line) => {
    expect(brokenCitations(file, line)).toHaveLength(1);
  });

  it.each([
    ['a rule by its anchor', 'daemon/cache/publish.ts', '// nginx finishes sending an unlinked file (docs/cache-and-log-rules.md#unlink-never-truncate).'],
    ['a README section by its heading', 'daemon/plan/playlist.ts', '// in the form README.md#urls shows'],
    ['an install location of the README', 'systemd/casterpakd.service', 'Documentation=file:///opt/casterpak/README.md'],
    ['a link relative to the docs folder', 'docs/cache-and-log-rules.md', `see [the README](${md('../README', 'layout')})`],
    ['a README section by its heading in prose', 'nginx/casterpak-http.conf', '# If every encode gets a new file name (README, "Replacing a source"), no URL ever changes'],
    ['a README section by its name', 'daemon/config.ts', "// Operator surface (see the README's Security section)."],
    ['a spec section and ordinary words', 'daemon/mp4/edit-list.ts', '// The edit rule (ISO/IEC 14496-12 §8.6.6) and the mdat box.'],
  ])('accepts %s', (_what, file, line) => {
    expect(brokenCitations(file, line)).toEqual([]);
  });
});
