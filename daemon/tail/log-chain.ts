// The rotated siblings of the access log (access.log.1, access.log-20240101): where a lost position is found again.

import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkHashAt } from './check-window.js';
import { FollowedFile } from './followed-file.js';
import { lineAccessMs } from './log-line.js';

/**
 * nginx stamps a line with its cached time, which can trail the wall clock by an event-loop turn; files whose
 * first line is this much older than our last look still count as new. Files we know are excluded by inode.
 */
export const UNREAD_SLACK_MS = 2_000;

export interface ChainFile {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
}

/** Compressed rotations (`.gz`, `.xz`, …) are not read: their name never matches this. */
function isChainName(name: string, base: string): boolean {
  if (!name.startsWith(base)) return false;
  const rest = name.slice(base.length);
  // logrotate's numbered names (`.1`) and its `dateext` names (`-20240101`, `-2024010112`).
  return rest === '' || /^\.\d+$/.test(rest) || /^-\d{8,10}$/.test(rest);
}

/** The log and its uncompressed rotations in the same directory. */
export async function listChain(logPath: string): Promise<ChainFile[]> {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files: ChainFile[] = [];
  for (const name of names.filter((n) => isChainName(n, base))) {
    const filePath = path.join(dir, name);
    try {
      const st = await stat(filePath);
      if (st.isFile()) files.push({ path: filePath, dev: st.dev, ino: st.ino, size: st.size });
    } catch {
      // Rotated away between readdir and stat: the next look finds it under its new name.
    }
  }
  return files;
}

/** `$msec` of a file's first line, or undefined when it has no complete, valid first line. */
export async function firstLineMs(file: FollowedFile): Promise<number | undefined> {
  const buffer = Buffer.alloc(64 * 1024);
  const { bytesRead } = await file.handle.read(buffer, 0, buffer.length, 0);
  const end = buffer.subarray(0, bytesRead).indexOf(0x0a);
  if (end === -1) return undefined;
  return lineAccessMs(buffer.toString('utf8', 0, end));
}

export interface Position {
  readonly dev: number;
  readonly ino: number;
  readonly offset: number;
  readonly checkHash: string;
}

/**
 * Opens the chain file that holds `position`: the same inode with the same bytes before the offset, or else
 * any file with those bytes (a copy left by copytruncate). Files in `exclude` are not candidates.
 */
export async function locate(chain: readonly ChainFile[], position: Position, exclude: readonly { dev: number; ino: number }[]): Promise<FollowedFile | undefined> {
  const candidates = chain.filter((c) => c.size >= position.offset && !exclude.some((e) => e.dev === c.dev && e.ino === c.ino));
  const sameInodeFirst = [...candidates].sort((a, b) => Number(b.ino === position.ino && b.dev === position.dev) - Number(a.ino === position.ino && a.dev === position.dev));
  for (const candidate of sameInodeFirst) {
    const file = await FollowedFile.open(candidate.path);
    if (!file) continue;
    if ((await checkHashAt(file.handle, position.offset)) === position.checkHash) {
      await file.resumeAt(position.offset);
      return file;
    }
    await file.close();
  }
  return undefined;
}

/**
 * Rotated files nobody has read: they appeared after `sinceMs` (their first line is newer), are not one of
 * `known`, and lie between the file we were reading and the one now at the log path (two rotations between
 * two looks). Returned open, oldest first, to be read from their start.
 */
export async function findUnread(chain: readonly ChainFile[], sinceMs: number, known: readonly { dev: number; ino: number }[]): Promise<FollowedFile[]> {
  const found: { file: FollowedFile; firstMs: number }[] = [];
  for (const candidate of chain) {
    if (known.some((k) => k.dev === candidate.dev && k.ino === candidate.ino)) continue;
    const file = await FollowedFile.open(candidate.path);
    if (!file) continue;
    const firstMs = await firstLineMs(file);
    if (firstMs !== undefined && firstMs >= sinceMs && file.sameIdentity(candidate)) found.push({ file, firstMs });
    else await file.close();
  }
  return found.sort((a, b) => a.firstMs - b.firstMs).map((f) => f.file);
}
