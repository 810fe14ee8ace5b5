// The one interface every packager and planner reads sources through: a local directory, an HTTP(S) origin or an S3 bucket.

import type { OriginStats } from './remote/origin-stats.js';
import type { SourceFile } from './resolve.js';

/** Ranged reads of one opened source version. */
export interface SourceReader {
  readonly sizeBytes: number;
  /** With `target` (exactly `length` bytes), reads into it instead of allocating, and returns it. */
  read(offset: number, length: number, target?: Uint8Array): Promise<Uint8Array>;
}

/**
 * A source opened once, as one version: a local file by its open descriptor, a remote object by its
 * ETag (or Last-Modified) and size. Every byte a packager reads comes through it.
 */
export interface OpenSource extends SourceFile {
  /** Sample bytes: one ranged read per coalesced span (a remote read asks for exactly this version). */
  readonly reader: SourceReader;
  /**
   * What the moov parse and the planner's probes read (top-level box headers, the moov, moofs, the first
   * bytes of sync samples): remote objects keep these on disk under state_dir, keyed by version, so a
   * restarted daemon does not fetch them again. Local files read them like anything else.
   */
  readonly headerReader: SourceReader;
  /** A local file's open descriptor, read directly by the parse workers; absent for a remote object. */
  readonly fd?: number;
  /**
   * A descriptor holding the whole source, for tools that read a file (ffmpeg, mp42hls): a local source's
   * own descriptor, or a remote object downloaded to a temporary file under `tmpDir` first. Closed by `close`.
   */
  wholeFileFd(tmpDir: string, signal: AbortSignal): Promise<number>;
  /**
   * True while the source's path still names this opened version, found more cheaply than by resolving it
   * again (a local file: one stat, compared by device, inode, size and mtime). Absent: resolve and compare.
   */
  stillCurrent?(): Promise<boolean>;
  /** Ends every use of the opened source (descriptors, downloads); call once the run is done. */
  close(): Promise<void>;
}

export type SourceKind = 'local' | 'http' | 's3';

/** Where renditions come from (config `media_root`). */
export interface Source {
  readonly kind: SourceKind;
  /** media_root as configured, for logs and messages. */
  readonly root: string;
  /** A remote source's requests, bytes and moov cache use (for /metrics). */
  readonly stats?: OriginStats;
  /** The source's identity without reading its bytes; NOT_FOUND when there is none (404). */
  resolve(sourceRel: string): Promise<SourceFile>;
  /**
   * Opens `sourceRel` for a run; the caller closes it. `resolved`: what this source's resolve of the same
   * path gave in the same request, whose checks the open may reuse (it still proves what it opened).
   */
  open(sourceRel: string, resolved?: SourceFile): Promise<OpenSource>;
  /** Checks the source can be reached and read (casterpakd check); throws with a one-line reason. */
  probe(): Promise<string>;
  /** Releases connections (daemon shutdown). */
  close(): Promise<void>;
}

/**
 * Runs `work` on the opened source and always closes it: the source is open exactly as long as the work.
 * `resolved`: the request's own resolve of it, when it has one (see Source.open).
 */
export async function withOpened<T>(source: Source, sourceRel: string, work: (src: OpenSource) => Promise<T>, resolved?: SourceFile): Promise<T> {
  const src = await source.open(sourceRel, resolved);
  try {
    return await work(src);
  } finally {
    await src.close();
  }
}
