// A miss → the file in the cache: resolve the source, package once (single-flight, bounded), publish atomically, record.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { renditionFilePath } from '../layout/cache-paths.js';
import { MEDIA_PLAYLIST_NAME, segmentFileName } from '../layout/rendition-files.js';
import { isMasterRequest, type MasterRequest, type ParsedRequest, type RenditionRequest } from '../layout/requests.js';
import { renditionBaseUri } from '../layout/uris.js';
import type { Logger } from '../log.js';
import type { BitrateTerm } from '../master/bitrate-filter.js';
import { createMoviePlanner } from '../packagers/index.js';
import type { MoviePlanner, Packager, SegmentList, SegmentPackager } from '../packagers/packager.js';
import { renderMediaPlaylist } from '../plan/playlist.js';
import { resolveSource, type SourceFile } from '../source/resolve.js';
import { isSamePackage, type NewCacheFile, type Store } from '../store/store.js';
import { CmafFiller, type CmafRenditionRequest } from './cmaf-filler.js';
import { IframeFiller } from './iframe-filler.js';
import { MasterFiller } from './master-filler.js';
import type { FillResult } from './fill-result.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { newTmpPath, publishBytes, publishTmpFile, unlinkCacheFile } from './publish.js';
import { RecentMisses, type MissRecord } from './recent-misses.js';
import { Limiter, SingleFlight } from './single-flight.js';

export interface MissStats {
  misses: number;
  packagerRuns: number;
  packagingMs: number;
  bytesWritten: number;
}

export interface FillerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly packager: Packager;
  /** Reads moovs and plans for master playlists; by default the one createMoviePlanner picks for the packager. */
  readonly planner?: MoviePlanner;
  readonly log: Logger;
}

/** The generations-table key of a whole-rendition packaging run (segment runs use the cache path). */
export function packageGenerationKey(sourceRel: string): string {
  return `pkg:${sourceRel}`;
}

/** What a packaging run is for: its generation key, the request that started it, the source (or master) it reads. */
interface Run {
  readonly key: string;
  readonly cachePath: string;
  readonly sourceRel: string;
}

export type MissListener = (record: MissRecord) => void;

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

export class CacheFiller {
  private readonly flights = new SingleFlight<void>();
  private readonly limiter: Limiter;
  private readonly masters: MasterFiller;
  private readonly iframes: IframeFiller;
  private readonly cmaf: CmafFiller;
  private readonly planner: MoviePlanner;
  readonly stats: MissStats = { misses: 0, packagerRuns: 0, packagingMs: 0, bytesWritten: 0 };
  readonly recentMisses = new RecentMisses();
  private readonly listeners = new Set<MissListener>();

  constructor(private readonly deps: FillerDeps) {
    this.limiter = new Limiter(deps.config.maxConcurrentPackaging);
    const { config, store, packager, log } = deps;
    const planner = deps.planner ?? createMoviePlanner(config, packager);
    this.planner = planner;
    const maxWaitMs = this.maxWaitMs();
    this.masters = new MasterFiller({
      config, store, packager, planner, log, maxWaitMs,
      flights: this.flights,
      // A master's own bytes are small and published by the master filler: its runs are timed, not weighed.
      generate: (key, work) =>
        this.generate({ key, cachePath: key, sourceRel: key }, async () => {
          await work();
          return [];
        }),
    });
    this.iframes = new IframeFiller({ config, store, packager, log, maxWaitMs, flights: this.flights, fillRendition: (req) => this.fill(req) });
    // CMAF files (cmaf/ folder): their own filler, on the same flights, bound and publish path.
    this.cmaf = new CmafFiller({
      config, store, packager, maxWaitMs,
      flights: this.flights,
      generate: (run, work) => this.generate(run, work),
      publish: (file, data) => this.publish(file, data),
    });
  }

  private maxWaitMs(): number {
    return (this.deps.config.packagingTimeoutSec + 5) * 1000;
  }

  /** A master playlist narrowed by Akamai's `?b=` filter, as text (never cached: see MasterFiller.filtered). */
  filteredMaster(req: MasterRequest, terms: readonly BitrateTerm[]): Promise<string> {
    return this.masters.filtered(req, terms);
  }

  get flightStats() {
    return this.flights.stats;
  }

  get packagerName(): Packager['name'] {
    return this.deps.packager.name;
  }

  /** Calls `listener` after every packaging run, successful or not; returns the unsubscribe function. */
  onPackaged(listener: MissListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes sure the requested file is in the cache, packaging it if needed. */
  async fill(req: ParsedRequest): Promise<FillResult> {
    if (isMasterRequest(req)) return this.masters.fill(req);
    if (req.file.kind === 'iframe-playlist') return this.iframes.fill(req);
    if (req.file.kind.startsWith('cmaf-')) return this.cmaf.fill(req as CmafRenditionRequest);
    return this.fillRenditionFile(req);
  }

  private async fillRenditionFile(req: RenditionRequest): Promise<FillResult> {
    const { config, store, packager } = this.deps;
    const src = await resolveSource(config.mediaRoot, req.sourceRel);
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean): FillResult => ({ cachePath: req.cachePath, absPath, contentType: contentTypeOf(req.cachePath), generated });

    const row = store.packageBySource(src.relPath);
    const current = row && isSamePackage(row, src, packager.name) ? row : undefined;
    if (current && (await exists(absPath))) return result(false);
    if (current?.segment_count != null && req.file.kind === 'segment' && req.file.n > current.segment_count) {
      throw new CasterpakError('NOT_FOUND', 'no such segment', { n: req.file.n, segments: current.segment_count });
    }

    this.stats.misses += 1;
    const identity = `${src.sizeBytes}:${src.mtimeMs}`;
    const maxWaitMs = this.maxWaitMs();
    if (packager.granularity === 'rendition') {
      await this.flights.run(`pkg:${src.relPath}@${identity}`, () => this.packageRendition(src, req.cachePath), maxWaitMs);
      if (!(await exists(absPath))) throw new CasterpakError('NOT_FOUND', 'no such segment', { cachePath: req.cachePath });
    } else {
      await this.flights.run(`${req.cachePath}@${identity}`, () => this.packageOneFile(packager, src, req), maxWaitMs);
    }
    return result(true);
  }

  /**
   * Runs `work` under the concurrency bound and the packaging timeout, claiming the run's key in the database,
   * and reports the run: one log line, the recent-misses ring, the listeners (metrics).
   */
  private async generate(run: Run, work: (signal: AbortSignal) => Promise<NewCacheFile[]>): Promise<void> {
    const { store, config } = this.deps;
    return this.limiter.run(this.maxWaitMs(), async () => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), config.packagingTimeoutSec * 1000);
      const startedMs = performance.now();
      let files: NewCacheFile[] = [];
      let outcome = 'ok';
      store.startGeneration(run.key);
      try {
        files = await work(abort.signal);
      } catch (err) {
        const thrown = abort.signal.aborted
          ? new CasterpakError('PACKAGER_TIMEOUT', `packaging took longer than ${config.packagingTimeoutSec}s`, { key: run.key })
          : err;
        outcome = thrown instanceof CasterpakError ? thrown.code : 'INTERNAL';
        throw thrown;
      } finally {
        clearTimeout(timer);
        store.endGeneration(run.key);
        this.report(run, performance.now() - startedMs, files, outcome);
      }
    });
  }

  private report(run: Run, durationMs: number, files: readonly NewCacheFile[], outcome: string): void {
    const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
    this.stats.packagerRuns += 1;
    this.stats.packagingMs += durationMs;
    const record: MissRecord = {
      atMs: Date.now(),
      cachePath: run.cachePath,
      sourceRel: run.sourceRel,
      packager: this.deps.packager.name,
      durationMs: Math.round(durationMs * 10) / 10,
      files: files.length,
      bytes,
      outcome,
    };
    this.recentMisses.add(record);
    // Failures are logged with their reason where they are answered (the HTTP error handler, the CLI).
    if (outcome === 'ok') {
      this.deps.log.info({ path: run.cachePath, source: run.sourceRel, packager: record.packager, durationMs: record.durationMs, bytes, files: files.length }, 'packaged on a miss');
    }
    for (const listener of this.listeners) listener(record);
  }

  private playlistText(src: SourceFile, list: SegmentList): string {
    const { publicBaseUrl, urlPrefix, allowCache } = this.deps.config;
    const base = renditionBaseUri({ publicBaseUrl, urlPrefix, sourceRel: src.relPath, from: 'rendition' });
    return renderMediaPlaylist({ durationsSec: list.durationsSec, segmentUri: (n) => base + segmentFileName(n), allowCache });
  }

  private async publish(file: Omit<NewCacheFile, 'bytes'>, data: Uint8Array | string): Promise<NewCacheFile> {
    const bytes = await publishBytes(this.deps.config.cacheDir, file.path, data);
    this.stats.bytesWritten += bytes;
    return { ...file, bytes };
  }

  /** Whole-rendition packagers: every segment is published before the playlist that names them. */
  private packageRendition(src: SourceFile, cachePath: string): Promise<void> {
    const { store, config, packager } = this.deps;
    return this.generate({ key: packageGenerationKey(src.relPath), cachePath, sourceRel: src.relPath }, async (signal) => {
      // The builtin reader vets the source first (a 422 with its reason): ffmpeg exits 0 on a truncated
      // mdat and mp42hls writes 0-second packages for several broken inputs.
      await this.planner.plannedMovie(src);
      const { pkg, staleFiles } = store.ensurePackage(src, packager.name, 'rendition', null);
      await Promise.all(staleFiles.map((p) => unlinkCacheFile(config.cacheDir, p)));
      const workDir = await newTmpPath(config.cacheDir, 'rendition');
      await fs.mkdir(workDir);
      try {
        const list = await packager.packageRendition(src, workDir, signal);
        const files: NewCacheFile[] = [];
        for (let n = 1; n <= list.durationsSec.length; n += 1) {
          const cachePath = renditionFilePath(config.urlPrefix, src.relPath, { kind: 'segment', n });
          const bytes = await publishTmpFile(config.cacheDir, path.join(workDir, segmentFileName(n)), cachePath);
          this.stats.bytesWritten += bytes;
          files.push({ path: cachePath, packageId: pkg.id, kind: 'segment', bytes });
        }
        files.push(await this.publish({ path: renditionFilePath(config.urlPrefix, src.relPath, { kind: 'media-playlist' }), packageId: pkg.id, kind: 'playlist' }, this.playlistText(src, list)));
        store.recordFiles(files);
        store.setSegmentCount(pkg.id, list.durationsSec.length);
        return files;
      } catch (err) {
        store.deletePackage(pkg.id);
        throw err;
      } finally {
        await fs.rm(workDir, { recursive: true, force: true });
      }
    });
  }

  /** Segment packagers: the playlist from the plan alone, or one segment muxed on its own. */
  private packageOneFile(packager: SegmentPackager, src: SourceFile, req: RenditionRequest): Promise<void> {
    const { store, config } = this.deps;
    return this.generate({ key: req.cachePath, cachePath: req.cachePath, sourceRel: src.relPath }, async (signal) => {
      const list = await packager.plan(src);
      const { pkg, staleFiles } = store.ensurePackage(src, packager.name, 'segment', list.durationsSec.length);
      await Promise.all(staleFiles.map((p) => unlinkCacheFile(config.cacheDir, p)));
      let file: NewCacheFile;
      if (req.file.kind === 'segment') {
        if (req.file.n > list.durationsSec.length) {
          throw new CasterpakError('NOT_FOUND', 'no such segment', { n: req.file.n, segments: list.durationsSec.length });
        }
        file = await this.publish({ path: req.cachePath, packageId: pkg.id, kind: 'segment' }, await packager.segment(src, req.file.n, signal));
      } else {
        file = await this.publish({ path: req.cachePath, packageId: pkg.id, kind: 'playlist' }, this.playlistText(src, list));
      }
      store.recordFiles([file]);
      return [file];
    });
  }
}
