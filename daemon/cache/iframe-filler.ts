// I-frame playlists into the cache: every segment through the normal miss path, IDR byte ranges read back from it.

import { promises as fs } from 'node:fs';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import type { RenditionFile, RenditionRequest } from '../http/request-path.js';
import type { Logger } from '../log.js';
import { iframeEntries, type SegmentKeyframes } from '../master/iframe-entries.js';
import { findKeyframeRanges } from '../master/iframe-ranges.js';
import { renditionBaseUri } from '../master/uris.js';
import { parseToolPlaylist } from '../packagers/hls-output.js';
import type { Packager, SourceFile } from '../packagers/packager.js';
import { renderIframePlaylist } from '../plan/iframe-playlist.js';
import { MEDIA_PLAYLIST_NAME, segmentFileName } from '../plan/playlist.js';
import { resolveSource } from '../source/resolve.js';
import { isSamePackage, type Store } from '../store/store.js';
import type { FillResult } from './filler.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { publishBytes } from './publish.js';
import { recordOrUnpublish } from './record-published.js';
import type { SingleFlight } from './single-flight.js';

export interface IframeFillerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly packager: Packager;
  readonly log: Logger;
  readonly flights: SingleFlight<void>;
  readonly maxWaitMs: number;
  /** The normal miss path for the rendition's media playlist and segments. */
  readonly fillRendition: (req: RenditionRequest) => Promise<FillResult>;
}

/** The request for another file of the same rendition folder. */
function sibling(req: RenditionRequest, name: string, file: RenditionFile): RenditionRequest {
  return { ...req, file, cachePath: `${req.cachePath.slice(0, req.cachePath.lastIndexOf('/') + 1)}${name}` };
}

export class IframeFiller {
  constructor(private readonly deps: IframeFillerDeps) {}

  async fill(req: RenditionRequest): Promise<FillResult> {
    const { config, store, packager, flights, maxWaitMs } = this.deps;
    if (!config.iframePlaylists) throw new CasterpakError('NOT_FOUND', 'I-frame playlists are off (iframe_playlists)', { cachePath: req.cachePath });
    const src = await resolveSource(config.mediaRoot, req.sourceRel);
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean): FillResult => ({ cachePath: req.cachePath, absPath, contentType: contentTypeOf(req.cachePath), generated });
    const row = store.packageBySource(src.relPath);
    if (row && isSamePackage(row, src, packager.name) && (await fs.access(absPath).then(() => true, () => false))) return result(false);
    // Not under the packaging bound itself: the segment fills it makes each take their own turn.
    await flights.run(`${req.cachePath}@${src.sizeBytes}:${src.mtimeMs}`, () => this.build(req, src), maxWaitMs);
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

  private async build(req: RenditionRequest, src: SourceFile): Promise<void> {
    const { config, store, log } = this.deps;
    const playlist = await this.readFilled(sibling(req, MEDIA_PLAYLIST_NAME, { kind: 'media-playlist' }));
    const durationsSec = parseToolPlaylist(playlist.toString('utf8'), 'casterpakd').map((s) => s.durationSec);
    const segments: SegmentKeyframes[] = [];
    for (let n = 1; n <= durationsSec.length; n++) {
      const bytes = await this.readFilled(sibling(req, segmentFileName(n), { kind: 'segment', n }));
      segments.push({ segmentNumber: n, ranges: findKeyframeRanges(bytes) });
    }
    const entries = iframeEntries(segments, durationsSec.reduce((sum, d) => sum + d, 0));
    if (entries.length === 0) throw new CasterpakError('NOT_FOUND', 'the rendition has no IDR picture to list', { source: src.relPath });
    const base = renditionBaseUri({ publicBaseUrl: config.publicBaseUrl, urlPrefix: config.urlPrefix, sourceRel: src.relPath, from: 'rendition' });
    const text = renderIframePlaylist({ entries, segmentUri: (n) => base + segmentFileName(n) });
    const bytes = await publishBytes(config.cacheDir, req.cachePath, text);
    const file = { path: req.cachePath, kind: 'playlist' as const, bytes };
    await recordOrUnpublish(config.cacheDir, [req.cachePath], () =>
      store.retryWhileLocked(() => store.recordFiles([{ ...file, packageId: store.packageBySource(src.relPath)?.id ?? null }])),
    );
    log.info({ source: src.relPath, iframes: entries.length, segments: durationsSec.length }, 'wrote I-frame playlist');
  }
}
