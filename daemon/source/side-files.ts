// A rendition's subtitle side files: which files beside the MP4 are its side files, and their bytes, read under media_root's confinement.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';
import { sideFileOf, type SideFileFormat } from '../layout/subtitle-files.js';
import { withOpenSource } from './open-source.js';

/** A side file larger than this is refused: a feature film's subtitles are 50–200 KB. */
export const MAX_SIDE_FILE_BYTES = 8 * 1024 * 1024;

export interface SideFile {
  /** Below media_root, forward slashes: `2022/clip.en.vtt`. */
  readonly relPath: string;
  /** The language tag as the name writes it; the track's key. */
  readonly language: string;
  readonly format: SideFileFormat;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

/**
 * The side files of `sourceRel`, by name (sorted, so the order is stable); when one language has both
 * a `.vtt` and a `.srt`, the `.vtt` is taken. A folder that cannot be listed has none.
 */
export async function listSideFiles(mediaRoot: string, sourceRel: string): Promise<SideFile[]> {
  const dirRel = path.posix.dirname(sourceRel);
  const sourceName = path.posix.basename(sourceRel);
  const names = await fs.readdir(path.join(mediaRoot, dirRel)).catch(() => [] as string[]);
  const byLanguage = new Map<string, SideFile>();
  for (const name of names.sort()) {
    const side = sideFileOf(sourceName, name);
    if (!side) continue;
    const relPath = dirRel === '.' ? name : `${dirRel}/${name}`;
    const stat = await fs.stat(path.join(mediaRoot, relPath)).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const known = byLanguage.get(side.language);
    if (known && known.format === 'vtt') continue;
    byLanguage.set(side.language, { relPath, ...side, sizeBytes: stat.size, mtimeMs: Math.trunc(stat.mtimeMs) });
  }
  return [...byLanguage.values()];
}

/** What identifies the side files as they are now: a changed, added or removed one gives another signature. */
export function sideFilesSignature(files: readonly SideFile[]): string {
  return files.map((f) => `${f.relPath}\u0000${f.sizeBytes}\u0000${f.mtimeMs}`).join('\u0001');
}

/** The side file's bytes, opened as a source is (its real path confined to media_root, read through one descriptor). */
export async function readSideFile(mediaRoot: string, file: SideFile): Promise<Uint8Array> {
  return withOpenSource(mediaRoot, file.relPath, async (src) => {
    if (src.sizeBytes > MAX_SIDE_FILE_BYTES) {
      throw new CasterpakError('SUBTITLE_INVALID', `${file.relPath} is ${src.sizeBytes} bytes, more than a subtitle file's ${MAX_SIDE_FILE_BYTES}`, { sizeBytes: src.sizeBytes });
    }
    const bytes = new Uint8Array(src.sizeBytes);
    const { bytesRead } = await src.handle.read(bytes, 0, src.sizeBytes, 0);
    return bytes.subarray(0, bytesRead);
  });
}
