// CMAF files of a rendition into the cache: media playlists from the plan, init and media segments made on demand by the builtin packager.

import { promises as fs } from 'node:fs';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import type { CmafFile } from '../layout/cmaf-files.js';
import type { RenditionRequest } from '../layout/requests.js';
import { cmafBaseUri } from '../layout/uris.js';
import { renderCmafMediaPlaylist } from '../master/cmaf-hls.js';
import { describeCmafRendition } from '../master/cmaf-rendition.js';
import { isCmafPackager, type CmafPackager, type Packager } from '../packagers/packager.js';
import { resolveSource, type SourceFile } from '../source/resolve.js';
import { isSamePackage, type NewCacheFile, type Store } from '../store/store.js';
import type { FillResult } from './fill-result.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { unlinkCacheFile } from './publish.js';
import type { SingleFlight } from './single-flight.js';

/** The CMAF files of one rendition: everything under `<rel>/cmaf/` but the master and the MPD. */
export type CmafRenditionRequest = RenditionRequest & { readonly file: Exclude<CmafFile, { kind: 'cmaf-master' | 'cmaf-mpd' }> };

export interface CmafFillerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly packager: Packager;
  readonly flights: SingleFlight<void>;
  readonly maxWaitMs: number;
  /** Runs a packaging job under the concurrency bound and the timeout, recorded while it runs (CacheFiller.generate). */
  readonly generate: (run: { key: string; cachePath: string; sourceRel: string }, work: (signal: AbortSignal) => Promise<NewCacheFile[]>) => Promise<void>;
  /** Publishes bytes atomically at a cache path and counts them (CacheFiller.publish). */
  readonly publish: (file: Omit<NewCacheFile, 'bytes'>, data: Uint8Array | string) => Promise<NewCacheFile>;
}

/** CMAF output is made by the builtin packager alone; with ffmpeg or mp42hls these URLs are refused with this reason. */
export function requireCmafPackager(packager: Packager): CmafPackager {
  if (!isCmafPackager(packager)) {
    throw new CasterpakError('NOT_FOUND', `CMAF output (cmaf/ URLs) needs packager = "builtin"; this daemon runs ${packager.name}`, { packager: packager.name });
  }
  return packager;
}

export class CmafFiller {
  constructor(private readonly deps: CmafFillerDeps) {}

  async fill(req: CmafRenditionRequest): Promise<FillResult> {
    const { config, store, packager, flights, maxWaitMs } = this.deps;
    const cmaf = requireCmafPackager(packager);
    const src = await resolveSource(config.mediaRoot, req.sourceRel);
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean): FillResult => ({ cachePath: req.cachePath, absPath, contentType: contentTypeOf(req.cachePath), generated });
    const row = store.packageBySource(src.relPath);
    const current = row && isSamePackage(row, src, packager.name) ? row : undefined;
    if (current && (await fs.access(absPath).then(() => true, () => false))) return result(false);
    await flights.run(`${req.cachePath}@${src.sizeBytes}:${src.mtimeMs}`, () => this.make(cmaf, src, req), maxWaitMs);
    return result(true);
  }

  private make(cmaf: CmafPackager, src: SourceFile, req: CmafRenditionRequest): Promise<void> {
    const { config, store, packager } = this.deps;
    return this.deps.generate({ key: req.cachePath, cachePath: req.cachePath, sourceRel: src.relPath }, async (signal) => {
      const { movie, plan } = await cmaf.plannedMovie(src);
      const { pkg, staleFiles } = store.ensurePackage(src, packager.name, 'segment', plan.segments.length);
      await Promise.all(staleFiles.map((p) => unlinkCacheFile(config.cacheDir, p)));
      const kind = req.file.kind === 'cmaf-playlist' ? 'playlist' : 'segment';
      let data: Uint8Array | string;
      if (req.file.kind === 'cmaf-playlist') {
        const baseUri = cmafBaseUri({ publicBaseUrl: config.publicBaseUrl, urlPrefix: config.urlPrefix, sourceRel: src.relPath, from: 'rendition' });
        const facts = describeCmafRendition(baseUri, movie, plan)[req.file.track];
        if (!facts) throw new CasterpakError('NOT_FOUND', `the rendition has no ${req.file.track} track`, { track: req.file.track });
        data = renderCmafMediaPlaylist(facts, baseUri, plan.independentSegments);
      } else if (req.file.kind === 'cmaf-init') {
        data = await cmaf.cmafInit(src, req.file.track);
      } else {
        data = await cmaf.cmafSegment(src, req.file.track, req.file.n, signal);
      }
      const file = await this.deps.publish({ path: req.cachePath, packageId: pkg.id, kind }, data);
      store.recordFiles([file]);
      return [file];
    });
  }
}
