// Command-line paths → renditions below media_root: `2022/clip.mp4`, `/srv/media/2022/clip.mp4`, `/i/2022/clip.mp4/index_0_av.m3u8`.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { decodeSegments } from '../http/request-path.js';
import { renditionFile } from '../layout/rendition-files.js';
import { CMAF_DIR, cmafFile } from '../layout/cmaf-files.js';
import { hasSourceExtension } from '../layout/sources.js';

/** One command-line path and the rendition it names. */
export interface RenditionArg {
  readonly arg: string;
  /** Below media_root, forward slashes: `2022/clip.mp4`. */
  readonly sourceRel: string;
}

export interface ArgProblem {
  readonly arg: string;
  readonly message: string;
}

function badArg(arg: string, message: string): CasterpakError {
  return new CasterpakError('BAD_PATH', `${arg}: ${message}`, { arg });
}

/** Plain path segments, refused as the daemon refuses them: no `..`, `.`, empty, NUL or backslash. */
function checkedSegments(arg: string, rel: string): string[] {
  // Repeated and trailing slashes are harmless in a typed path: they collapse.
  const segments = rel.split('/').filter(Boolean);
  for (const segment of segments) {
    if (segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('\0')) {
      throw badArg(arg, 'a path must not contain ".", "..", backslashes or NUL bytes');
    }
  }
  if (segments.length === 0) throw badArg(arg, 'names no file below media_root');
  return segments;
}

async function realOr(p: string): Promise<string> {
  return fs.realpath(p).catch(() => path.resolve(p));
}

/** An absolute path, confined to media_root (symlinks resolved when it exists); media_root itself is ''. */
async function relativeToMediaRoot(arg: string, mediaRoot: string): Promise<string> {
  const [root, real] = await Promise.all([realOr(mediaRoot), realOr(arg)]);
  const rel = path.relative(root, real);
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw badArg(arg, `is not below media_root ${mediaRoot}`);
  return rel.split(path.sep).join('/');
}

/**
 * The path below media_root that `arg` names. URL paths under url_prefix are decoded once, as the daemon
 * decodes them, and lose a trailing playlist or segment name; absolute paths must lie below media_root
 * (media_root itself gives '', the whole tree); other paths are relative to media_root, not to the working directory.
 */
export async function sourceRelOf(arg: string, config: Config): Promise<string> {
  if (arg.startsWith(config.urlPrefix)) {
    const prefixLength = config.urlPrefix.split('/').filter(Boolean).length;
    let segments: string[];
    try {
      segments = decodeSegments(arg.replace(/\/+$/, '')).slice(prefixLength);
    } catch (err) {
      throw badArg(arg, (err as Error).message);
    }
    if (segments.length > 2 && segments[segments.length - 2] === CMAF_DIR && cmafFile(segments[segments.length - 1])) segments.splice(-2);
    else if (segments.length > 1 && renditionFile(segments[segments.length - 1])) segments.pop();
    if (segments.length === 0) throw badArg(arg, 'names no rendition');
    return segments.join('/');
  }
  if (!path.isAbsolute(arg)) return checkedSegments(arg, arg).join('/');
  const rel = await relativeToMediaRoot(arg, config.mediaRoot);
  return rel === '' ? '' : checkedSegments(arg, rel).join('/');
}

/** Every rendition file below a folder of media_root, sorted, hidden entries skipped. */
async function renditionsBelow(dir: string, rel: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const childRel = `${rel}/${entry.name}`.replace(/^\//, '');
    if (entry.isDirectory()) found.push(...(await renditionsBelow(path.join(dir, entry.name), childRel)));
    else if (entry.isFile() && hasSourceExtension(entry.name)) found.push(childRel);
  }
  return found;
}

/**
 * Resolves every argument; with `expandFolders`, a folder of media_root stands for every rendition below it.
 * Problems are collected, not thrown, so one bad path does not stop the others.
 */
export async function renditionsFromArgs(args: readonly string[], config: Config, expandFolders: boolean): Promise<{ renditions: RenditionArg[]; problems: ArgProblem[] }> {
  const renditions: RenditionArg[] = [];
  const problems: ArgProblem[] = [];
  for (const arg of args) {
    try {
      const sourceRel = await sourceRelOf(arg, config);
      const abs = path.join(config.mediaRoot, sourceRel);
      const stat = await fs.stat(abs).catch(() => undefined);
      if (expandFolders && stat?.isDirectory()) {
        const below = await renditionsBelow(abs, sourceRel);
        if (below.length === 0) problems.push({ arg, message: `${arg}: no .mp4, .m4v, .m4a or .mov files below it` });
        renditions.push(...below.map((rel) => ({ arg, sourceRel: rel })));
      } else if (!hasSourceExtension(sourceRel.split('/').pop() ?? '')) {
        problems.push({ arg, message: `${arg}: not a rendition (.mp4, .m4v, .m4a or .mov)` });
      } else {
        renditions.push({ arg, sourceRel });
      }
    } catch (err) {
      problems.push({ arg, message: (err as Error).message });
    }
  }
  return { renditions, problems };
}
