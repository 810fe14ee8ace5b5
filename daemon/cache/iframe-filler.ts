// I-frame playlists into the cache: every segment through the normal miss path, IDR byte ranges read back from it, within bounds.

import { promises as fs } from 'node:fs';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { fileNameOf, segmentFileName, type RenditionFile } from '../layout/rendition-files.js';
import type { RenditionRequest } from '../layout/requests.js';
import { renditionBaseUri } from '../layout/uris.js';
import type { Logger } from '../log.js';
import { iframeEntries, type SegmentKeyframes } from '../master/iframe-entries.js';
import { findKeyframeRanges } from '../master/iframe-ranges.js';
import { parseToolPlaylist } from '../packagers/hls-output.js';
import type { MoviePlanner, Packager } from '../packagers/packager.js';
import { renderIframePlaylist } from '../plan/iframe-playlist.js';
import type { SourceFile } from '../source/resolve.js';
import { withOpened, type Source } from '../source/source.js';
import { isSamePackage, type Store } from '../store/store.js';
import type { FillResult } from './fill-result.js';
import { publishGeneration } from './generation-publish.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { prepareBytes } from './publish.js';
import { fileFlightKey, type SingleFlight } from './single-flight.js';

export interface IframeFillerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly packager: Packager;
  /** Reads the moov, to refuse an audio-only rendition before packaging anything. */
  readonly planner: MoviePlanner;
  readonly log: Logger;
  readonly source: Source;
  readonly flights: SingleFlight;
  readonly maxWaitMs: number;
  /** The normal miss path for the rendition's media playlist and segments. */
  readonly fillRendition: (req: RenditionRequest) => Promise<FillResult>;
}

/** The request for another file of the same rendition folder. */
function sibling(req: RenditionRequest, file: RenditionFile): RenditionRequest {
  return { ...req, file, cachePath: `${req.cachePath.slice(0, req.cachePath.lastIndexOf('/') + 1)}${fileNameOf(file)}` };
}

function segmentRequest(req: RenditionRequest, n: number): RenditionRequest {
  return sibling(req, { kind: 'segment', n });
}

/** `work`, or PACKAGER_TIMEOUT as soon as `deadline` passes (a segment being muxed then still publishes). */
function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal, timeoutSec: number): Promise<T> {
  const timedOut = () => new CasterpakError('PACKAGER_TIMEOUT', `building the I-frame playlist took longer than packaging_timeout (${timeoutSec}s)`);
  if (deadline.aborted) return Promise.reject(timedOut());
  let onAbort = () => {};
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => reject(timedOut());
    deadline.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, expired]).finally(() => deadline.removeEventListener('abort', onAbort));
}

export class IframeFiller {
  constructor(private readonly deps: IframeFillerDeps) {}

  async fill(req: RenditionRequest): Promise<FillResult> {
    const { config, store, packager, flights, maxWaitMs } = this.deps;
    if (!config.iframePlaylists) throw new CasterpakError('NOT_FOUND', 'I-frame playlists are off (iframe_playlists)', { cachePath: req.cachePath });
    const src = await this.deps.source.resolve(req.sourceRel);
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean): FillResult => ({ cachePath: req.cachePath, absPath, contentType: contentTypeOf(req.cachePath), generated });
    const row = store.packageBySource(src.relPath);
    // Recorded under the current package, not just present (a replaced package's files linger a moment).
    const recorded = row && isSamePackage(row, src, packager.name) && store.fileByPath(req.cachePath)?.package_id === row.id;
    if (recorded && (await fs.access(absPath).then(() => true, () => false))) return result(false);
    // Not under the packaging bound itself: the segment fills it makes each take their own turn.
    await flights.run(fileFlightKey(req.cachePath, src), () => this.build(req, src), maxWaitMs);
    return result(true);
  }

  /** A file of the rendition through the miss path, read back; one retry if prune unlinked it in between. */
  private async readFilled(req: RenditionRequest): Promise<Buffer> {
    for (let attempt = 0; ; attempt++) {
      const filled = await this.deps.fillRendition(req);
      try {
        return await fs.readFile(filled.absPath);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  /** Refuses, before anything is packaged, a rendition that cannot have I-frames: no video track. */
  private async refuseAudioOnly(src: SourceFile): Promise<void> {
    const { movie } = await withOpened(this.deps.source, src.relPath, (opened) => this.deps.planner.plannedMovie(opened));
    if (!movie.video) {
      throw new CasterpakError('NOT_FOUND', 'the rendition has no video track, so it has no I-frame playlist', { source: src.relPath });
    }
  }

  /**
   * Refuses, before packaging any segment, a request that would package more segments than
   * iframe_max_packaged_segments: one request may not turn into an unbounded amount of muxing.
   */
  private async refuseTooMuchPackaging(req: RenditionRequest, segmentCount: number): Promise<void> {
    const { config } = this.deps;
    const limit = config.iframeMaxPackagedSegments;
    if (segmentCount <= limit) return;
    const cached = await Promise.all(
      Array.from({ length: segmentCount }, (_, i) => fs.access(cacheFileAbs(config.cacheDir, segmentRequest(req, i + 1).cachePath)).then(() => 1, () => 0)),
    );
    const missing = segmentCount - cached.reduce((sum: number, c) => sum + c, 0);
    if (missing > limit) {
      throw new CasterpakError(
        'PACKAGING_LIMIT',
        `the I-frame playlist needs ${missing} segments packaged, more than iframe_max_packaged_segments (${limit}) allows in one request; warm the rendition first`,
        { cachePath: req.cachePath, missing, limit },
      );
    }
  }

  private async build(req: RenditionRequest, src: SourceFile): Promise<void> {
    const { config, store, log } = this.deps;
    // The packaging timeout bounds the whole playlist, not only each segment it packages.
    const deadline = AbortSignal.timeout(config.packagingTimeoutSec * 1000);
    const bounded = <T>(work: Promise<T>) => beforeDeadline(work, deadline, config.packagingTimeoutSec);
    await bounded(this.refuseAudioOnly(src));
    const playlist = await bounded(this.readFilled(sibling(req, { kind: 'media-playlist' })));
    // The package the ranges are read from: the playlist is published only if it is still current at the end.
    const pkg = store.packageBySource(src.relPath);
    const durationsSec = parseToolPlaylist(playlist.toString('utf8'), 'casterpakd').map((s) => s.durationSec);
    await this.refuseTooMuchPackaging(req, durationsSec.length);
    const segments: SegmentKeyframes[] = [];
    for (let n = 1; n <= durationsSec.length; n++) {
      const bytes = await bounded(this.readFilled(segmentRequest(req, n)));
      segments.push({ segmentNumber: n, ranges: findKeyframeRanges(bytes) });
    }
    const entries = iframeEntries(segments, durationsSec.reduce((sum, d) => sum + d, 0));
    if (entries.length === 0) throw new CasterpakError('NOT_FOUND', 'the rendition has no IDR picture to list', { source: src.relPath });
    const base = renditionBaseUri({ publicBaseUrl: config.publicBaseUrl, urlPrefix: config.urlPrefix, sourceRel: src.relPath, from: 'rendition' });
    const text = renderIframePlaylist({ entries, segmentUri: (n) => base + segmentFileName(n) });
    const file = await prepareBytes(config.cacheDir, req.cachePath, text);
    const record = () => store.recordFiles([{ path: req.cachePath, packageId: pkg?.id ?? null, kind: 'playlist', bytes: file.bytes }]);
    await publishGeneration({ store, cacheDir: config.cacheDir, packages: pkg ? [pkg] : [], files: [file], record });
    log.info({ source: src.relPath, iframes: entries.length, segments: durationsSec.length }, 'wrote I-frame playlist');
  }
}
