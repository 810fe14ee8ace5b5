import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageGenerationKey } from '../../daemon/store/generation-keys.js';
import { DB_FILE_NAME, Store } from '../../daemon/store/store.js';
import { formatBytes } from '../../daemon/units.js';
import { makeClip } from '../helpers/clip.js';
import { ensureBuilt, runCli, runCliOnTerminal } from '../helpers/cli.js';

interface Site {
  readonly top: string;
  readonly mediaRoot: string;
  readonly cacheDir: string;
  readonly stateDir: string;
  /** The config flags every command of this site gets. */
  readonly flags: string[];
}

function newSite(): Site {
  const top = mkdtempSync(path.join(tmpdir(), 'casterpak-cli-'));
  const site = { top, mediaRoot: path.join(top, 'media'), cacheDir: path.join(top, 'cache'), stateDir: path.join(top, 'state') };
  makeClip(path.join(site.mediaRoot, 'a.mp4'), { durationSec: 5 });
  makeClip(path.join(site.mediaRoot, 'shows', 'b c.mp4'), { durationSec: 3 });
  makeClip(path.join(site.mediaRoot, 'shows', 'd.mp4'), { durationSec: 3, toneHz: 660 });
  const flags = ['--config', '/dev/null', '--media-root', site.mediaRoot, '--cache-dir', site.cacheDir, '--state-dir', site.stateDir, '--packager', 'ffmpeg', '--segment-duration', '2'];
  return { ...site, flags };
}

function withDb<T>(site: Site, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(site.stateDir, DB_FILE_NAME), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function rowsUnder(site: Site, dirRel: string): string[] {
  return withDb(site, (db) => (db.prepare('SELECT path FROM cache_files WHERE substr(path, 1, length(?)) = ? ORDER BY path').all(dirRel, dirRel) as { path: string }[]).map((r) => r.path));
}

function filesIn(site: Site, dirRel: string): string[] {
  const dir = path.join(site.cacheDir, dirRel);
  return existsSync(dir) ? readdirSync(dir).map((name) => `${dirRel}${name}`).sort() : [];
}

/** The playlist on disk and every segment it names. */
function playlistAndSegments(site: Site, dirRel: string): string[] {
  const playlist = readFileSync(path.join(site.cacheDir, dirRel, 'index_0_av.m3u8'), 'utf8');
  const segments = playlist.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  return [`${dirRel}index_0_av.m3u8`, ...segments.map((s) => `${dirRel}${s}`)].sort();
}

beforeAll(async () => {
  await ensureBuilt();
});

describe('casterpakd warm', () => {
  it('packages the playlist and every segment, records them in SQLite, and prints no progress on a pipe', async () => {
    const site = newSite();
    const run = await runCli(['warm', ...site.flags, 'a.mp4']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const files = playlistAndSegments(site, 'i/a.mp4/');
    // 5 s in 2 s segments: the playlist and three segments.
    expect(files).toHaveLength(4);
    expect(filesIn(site, 'i/a.mp4/')).toEqual(files);
    expect(rowsUnder(site, 'i/a.mp4/')).toEqual(files);
    const bytes = withDb(site, (db) => (db.prepare('SELECT sum(bytes) AS n FROM cache_files').get() as { n: number }).n);
    expect(run.stdout).toBe(`warmed 1 rendition(s): ${files.length} files cached, ${files.length} packaged now (${formatBytes(bytes)})\n`);

    const mtimes = files.map((f) => statSync(path.join(site.cacheDir, f)).mtimeMs);
    const again = await runCli(['warm', ...site.flags, 'a.mp4']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`${files.length} files cached, 0 packaged now`);
    expect(files.map((f) => statSync(path.join(site.cacheDir, f)).mtimeMs)).toEqual(mtimes);
  });

  it('takes folders, absolute paths and URL paths, and reports bad paths with exit 1 while warming the rest', async () => {
    const site = newSite();
    writeFileSync(path.join(site.top, 'outside.mp4'), 'x');
    const run = await runCli(['warm', ...site.flags, 'shows', `${site.mediaRoot}/a.mp4`, '/i/shows/b%20c.mp4/index_0_av.m3u8', 'missing.mp4', '../outside.mp4', path.join(site.top, 'outside.mp4'), 'notes.txt']);
    expect(run.status).toBe(1);
    const complaints = run.stderr.trim().split('\n');
    expect(complaints).toHaveLength(4);
    expect(complaints.every((line) => line.startsWith('casterpakd warm: '))).toBe(true);
    expect(run.stderr).toContain('missing.mp4: no such source');
    expect(run.stderr).toContain('../outside.mp4: a path must not contain');
    expect(run.stderr).toContain(`${path.join(site.top, 'outside.mp4')}: is not below media_root`);
    expect(run.stderr).toContain('notes.txt: not a rendition');
    // The folder gave two renditions; b c.mp4 was named twice and warmed once more for nothing.
    expect(run.stdout).toMatch(/^warmed 4 rendition\(s\)/);
    for (const dir of ['i/a.mp4/', 'i/shows/b c.mp4/', 'i/shows/d.mp4/']) expect(filesIn(site, dir)).toEqual(playlistAndSegments(site, dir));
    expect(existsSync(path.join(site.cacheDir, 'i', 'outside.mp4'))).toBe(false);
  });

  it('draws a progress bar on a terminal', async () => {
    const site = newSite();
    const run = await runCliOnTerminal(['warm', ...site.flags, 'shows']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('\r\x1b[K[');
    expect(run.stdout).toMatch(/\[#{24}\] 100% 2\/2 shows\/d\.mp4/);
    expect(run.stdout).toContain('warmed 2 rendition(s)');
  });
});

describe('casterpakd ls', () => {
  it('lists cached renditions with size, hits and last access, as a table and as JSON', async () => {
    const site = newSite();
    expect((await runCli(['warm', ...site.flags, 'a.mp4', 'shows'])).status).toBe(0);
    const accessMs = Date.now() - 120_000;
    const store = Store.open(site.stateDir);
    store.recordAccesses([{ path: 'i/shows/d.mp4/segment1_0_av.ts', accessMs, hits: 7 }, { path: 'i/shows/d.mp4/index_0_av.m3u8', accessMs: accessMs - 5000, hits: 2 }]);
    store.close();

    const json = await runCli(['ls', ...site.flags, '--json']);
    expect(json.status).toBe(0);
    const listed = JSON.parse(json.stdout) as { source: string; sizeBytes: number; hits: number; lastAccessMs: number | null; files: number }[];
    const expected = withDb(site, (db) =>
      db
        .prepare(`SELECT p.source_path AS source, sum(f.bytes) AS sizeBytes, sum(f.hits) AS hits, max(f.last_access_ms) AS lastAccessMs, count(*) AS files
                  FROM packages p JOIN cache_files f ON f.package_id = p.id GROUP BY p.id ORDER BY p.source_path`)
        .all(),
    );
    expect(listed.map(({ source, sizeBytes, hits, lastAccessMs, files }) => ({ source, sizeBytes, hits, lastAccessMs, files }))).toEqual(expected);
    expect(listed.find((r) => r.source === 'shows/d.mp4')).toMatchObject({ hits: 9, lastAccessMs: accessMs });

    const table = await runCli(['ls', ...site.flags, '--sort', 'hits']);
    expect(table.status).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RENDITION\s+PACKAGER\s+FILES\s+SIZE\s+HITS\s+LAST ACCESS$/);
    expect(lines[1]).toMatch(/^shows\/d\.mp4\s+ffmpeg\s+\d+\s+[\d.]+ KiB\s+9\s+2 min ago$/);
    expect(lines.slice(2).every((l) => l.endsWith('never'))).toBe(true);
    expect(lines).toHaveLength(4);
  });
});

describe('casterpakd invalidate', () => {
  it("unlinks a rendition's files and deletes its rows, leaves the others, and a reader keeps the file it has open", async () => {
    const site = newSite();
    expect((await runCli(['warm', ...site.flags, 'a.mp4', 'shows'])).status).toBe(0);
    const files = playlistAndSegments(site, 'i/a.mp4/');
    const others = [...playlistAndSegments(site, 'i/shows/b c.mp4/'), ...playlistAndSegments(site, 'i/shows/d.mp4/')];
    const segment = path.join(site.cacheDir, 'i/a.mp4/segment1_0_av.ts');
    const original = readFileSync(segment);
    const fd = openSync(segment, 'r');

    const run = await runCli(['invalidate', ...site.flags, 'a.mp4']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^a\\.mp4: removed ${files.length} files \\(.+\\) and ${files.length} rows\\n$`));
    expect(filesIn(site, 'i/a.mp4/')).toEqual([]);
    expect(rowsUnder(site, 'i/a.mp4/')).toEqual([]);
    expect(withDb(site, (db) => db.prepare("SELECT count(*) AS n FROM packages WHERE source_path = 'a.mp4'").get())).toEqual({ n: 0 });
    expect(rowsUnder(site, 'i/shows/')).toEqual(others.sort());

    // Unlinked, not truncated: what nginx is sending stays whole.
    const held = Buffer.alloc(fstatSync(fd).size);
    readSync(fd, held, 0, held.length, 0);
    closeSync(fd);
    expect(held.equals(original)).toBe(true);

    const again = await runCli(['invalidate', ...site.flags, '/i/a.mp4/index_0_av.m3u8']);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('a.mp4: nothing cached\n');
  });

  it('drops every cached rendition below a folder', async () => {
    const site = newSite();
    expect((await runCli(['warm', ...site.flags, 'a.mp4', 'shows'])).status).toBe(0);
    const run = await runCli(['invalidate', ...site.flags, 'shows/']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n').map((l) => l.split(':')[0])).toEqual(['shows/b c.mp4', 'shows/d.mp4']);
    expect(rowsUnder(site, 'i/shows/')).toEqual([]);
    expect(filesIn(site, 'i/a.mp4/')).toEqual(playlistAndSegments(site, 'i/a.mp4/'));
  });

  it('refuses a rendition that is being packaged, with exit 1, and removes nothing', async () => {
    const site = newSite();
    expect((await runCli(['warm', ...site.flags, 'shows/d.mp4'])).status).toBe(0);
    const store = Store.open(site.stateDir);
    store.startGeneration(packageGenerationKey('shows/d.mp4'));
    store.close();
    const run = await runCli(['invalidate', ...site.flags, 'shows/d.mp4']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('casterpakd invalidate: shows/d.mp4 is being packaged right now; try again when it is done\n');
    expect(filesIn(site, 'i/shows/d.mp4/')).toEqual(playlistAndSegments(site, 'i/shows/d.mp4/'));
  });
});

describe('the day-2 commands', () => {
  it('refuse a state_dir without a database, with exit 1, and create none', async () => {
    const site = newSite();
    mkdirSync(site.stateDir, { recursive: true });
    for (const args of [['ls'], ['invalidate', 'a.mp4']]) {
      const run = await runCli([args[0], ...site.flags, ...args.slice(1)]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^casterpakd: no database at .+casterpak\.db: is state_dir right/);
    }
    expect(readdirSync(site.stateDir)).toEqual([]);
  });

  it('exit 2 on a usage error, and 0 for --help, which lists the exit codes', async () => {
    for (const command of ['warm', 'invalidate', 'ls']) {
      const help = await runCli([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('Exit codes:\n  0  done\n  1  error');
      expect(help.stdout).toContain('  2  usage');
      const unknown = await runCli([command, '--no-such-flag', 'x']);
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toContain("unknown option '--no-such-flag'");
    }
    expect((await runCli(['warm'])).status).toBe(2);
    expect((await runCli(['invalidate'])).status).toBe(2);
    expect((await runCli(['ls', '--sort', 'colour'])).status).toBe(2);
  });
});
