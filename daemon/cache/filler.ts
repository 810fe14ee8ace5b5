// A miss → the file in the cache: resolve the source, package once (single-flight, bounded), publish atomically, record.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { renditionCacheDir, renditionFilePath } from '../layout/cache-paths.js';
import { isCmafFile } from '../layout/cmaf-files.js';
import { isSubtitleFile } from '../layout/subtitle-files.js';
import { fileKindOf, segmentFileName } from '../layout/rendition-files.js';
import { isTrackFile, trackSegmentName, type TsTrack } from '../layout/track-files.js';
import { isMasterRequest, type MasterRequest, type ParsedRequest, type RenditionRequest } from '../layout/requests.js';
import { renditionBaseUri } from '../layout/uris.js';
import type { Logger } from '../log.js';
import { audioTracksOf } from '../mp4/types.js';
import type { BitrateTerm } from '../master/bitrate-filter.js';
import type { ParsePool } from '../packagers/builtin/parse-pool.js';
import { createMoviePlanner } from '../packagers/index.js';
import type { MoviePlanner, Packager, SegmentList, SegmentPackager } from '../packagers/packager.js';
import { renderMediaPlaylist } from '../plan/playlist.js';
import { createSource } from '../source/create-source.js';
import type { SourceFile } from '../source/resolve.js';
import { withOpened, type OpenSource, type Source } from '../source/source.js';
import { fileGenerationKey, packageGenerationKey } from '../store/generation-keys.js';
import { isSamePackage, type NewCacheFile, type PackageRow, type Store } from '../store/store.js';
import { claimPackage, publishGeneration, retryIfStale } from './generation-publish.js';
import { prepareCmafFile, requireCmafPackager } from './cmaf-filler.js';
import { requireTrack, requireTrackPackager } from './track-filler.js';
import { IframeFiller } from './iframe-filler.js';
import { MasterFiller } from './master-filler.js';
import type { FillResult } from './fill-result.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { newTmpPath, prepareBytes, prepareTmpFile, type PreparedFile } from './publish.js';
import { RecentMisses, type MissRecord } from './recent-misses.js';
import { SubtitleCatalog } from './subtitle-catalog.js';
import { requireSubtitlePackager, subtitleFileBytes } from './subtitle-filler.js';
import { fileFlightKey, Limiter, renditionFlightKey, SingleFlight } from './single-flight.js';

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
  /** Where renditions are read from; by default the one config `media_root` names. */
  readonly source?: Source;
  /** Reads moovs and plans for master playlists; by default the one createMoviePlanner picks for the packager. */
  readonly planner?: MoviePlanner;
  readonly log: Logger;
  /** Awaited after packaging and right before publishing a rendition's files; tests hold a run there. */
  readonly beforePublish?: (cachePath: string) => Promise<void>;
}

/** What a packaging run is for: its generation key, the request that started it, the source (or master) it reads. */
interface Run {
  readonly key: string;
  readonly cachePath: string;
  readonly sourceRel: string;
}

export type MissListener = (record: MissRecord) => void;

/** A run's claim in SQLite (Store.startGeneration), released once: by the publish that ends the run, or after it. */
interface Claim {
  readonly key: string;
  released: boolean;
}

/** One file of a rendition to make, with the segment packager's plan of it and the run's abort signal. */
interface FileJob {
  readonly packager: SegmentPackager;
  readonly src: OpenSource;
  readonly file: RenditionRequest['file'];
  /** The plan's segment list, worked out on the first call (a CMAF segment of a standing package never asks). */
  readonly list: () => Promise<SegmentList>;
  readonly signal: AbortSignal;
}

/** `make` called once, on first use. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

export class CacheFiller {
  private readonly flights = new SingleFlight();
  private readonly limiter: Limiter;
  private readonly masters: MasterFiller;
  private readonly iframes: IframeFiller;
  private readonly planner: MoviePlanner;
  private readonly subtitles: SubtitleCatalog;
  readonly source: Source;
  readonly stats: MissStats = { misses: 0, packagerRuns: 0, packagingMs: 0, bytesWritten: 0 };
  readonly recentMisses = new RecentMisses();
  private readonly listeners = new Set<MissListener>();

  constructor(private readonly deps: FillerDeps) {
    this.limiter = new Limiter(deps.config.maxConcurrentPackaging, deps.config.maxQueuedPackaging);
    const { config, store, packager, log } = deps;
    const source = deps.source ?? createSource(config);
    this.source = source;
    const planner = deps.planner ?? createMoviePlanner(config, packager, log);
    this.planner = planner;
    const maxWaitMs = this.maxWaitMs();
    this.subtitles = new SubtitleCatalog({ config, log });
    this.masters = new MasterFiller({
      config, store, packager, planner, log, maxWaitMs, source,
      subtitles: this.subtitles,
      flights: this.flights,
      // A master's own bytes are small and published by the master filler: its runs are timed, not weighed.
      generate: (cachePath, work) =>
        this.generate({ key: fileGenerationKey(cachePath), cachePath, sourceRel: cachePath }, async () => {
          await work();
          return [];
        }),
    });
    this.iframes = new IframeFiller({ config, store, packager, planner, log, maxWaitMs, source, flights: this.flights, fillRendition: (req) => this.fill(req) });
  }

  private maxWaitMs(): number {
    return (this.deps.config.packagingTimeoutSec + 5) * 1000;
  }

  /**
   * A master playlist narrowed by Akamai's `?b=` filter, as text (never cached: see MasterFiller.filtered).
   * It takes a packaging slot like any miss: a flood of filters queues behind packaging, bounded the same way.
   */
  filteredMaster(req: MasterRequest, terms: readonly BitrateTerm[]): Promise<string> {
    return this.limiter.run(this.maxWaitMs(), () => this.masters.filtered(req, terms));
  }

  get flightStats() {
    return this.flights.stats;
  }

  get packagerName(): Packager['name'] {
    return this.deps.packager.name;
  }

  /** The worker threads moovs are parsed in (the builtin packager's, shared with master playlists). */
  get parsePool(): ParsePool | undefined {
    return this.planner.parsePool;
  }

  /** Calls `listener` after every packaging run, successful or not; returns the unsubscribe function. */
  onPackaged(listener: MissListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many audio tracks the rendition offers, from its parsed moov, without a packaging run (for warm). */
  async audioTrackCount(sourceRel: string): Promise<number> {
    const src = await this.source.resolve(sourceRel);
    return withOpened(this.source, src.relPath, async (opened) => audioTracksOf((await this.planner.plannedMovie(opened)).movie).length);
  }

  /** Makes sure the requested file is in the cache, packaging it if needed. */
  async fill(req: ParsedRequest): Promise<FillResult> {
    // A run whose source was replaced before it could publish has published nothing: package it as it is now.
    if (isMasterRequest(req)) return retryIfStale(() => this.masters.fill(req));
    if (req.file.kind === 'iframe-playlist') return retryIfStale(() => this.iframes.fill(req));
    return retryIfStale(() => this.fillRenditionFile(req));
  }

  private async fillRenditionFile(req: RenditionRequest): Promise<FillResult> {
    const { config, store, packager } = this.deps;
    if (isCmafFile(req.file)) requireCmafPackager(packager);
    if (isSubtitleFile(req.file)) requireSubtitlePackager(packager);
    if (isTrackFile(req.file)) requireTrackPackager(packager);
    const src = await this.source.resolve(req.sourceRel);
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean): FillResult => ({ cachePath: req.cachePath, absPath, contentType: contentTypeOf(req.cachePath), generated });

    const row = store.packageBySource(src.relPath);
    const current = row && isSamePackage(row, src, packager.name) ? row : undefined;
    // Recorded under the current package, not just present: a replaced package's files linger a moment
    // after their rows are gone, until the run that replaced it has unlinked them.
    if (current && store.fileByPath(req.cachePath)?.package_id === current.id && (await exists(absPath))) return result(false);
    if (current?.segment_count != null && req.file.kind === 'segment' && req.file.n > current.segment_count) {
      throw new CasterpakError('NOT_FOUND', 'no such segment', { n: req.file.n, segments: current.segment_count });
    }

    this.stats.misses += 1;
    const maxWaitMs = this.maxWaitMs();
    if (packager.granularity === 'rendition') {
      await this.flights.run(renditionFlightKey(src), () => this.packageRendition(src, req.cachePath), maxWaitMs);
      if (!(await exists(absPath))) throw new CasterpakError('NOT_FOUND', 'no such segment', { cachePath: req.cachePath });
    } else {
      await this.flights.run(fileFlightKey(req.cachePath, src), () => this.packageOneFile(packager, src, req), maxWaitMs);
    }
    return result(true);
  }

  /**
   * Runs `work` under the concurrency bound and the packaging timeout, claiming the run's key in the database,
   * and reports the run: one log line, the recent-misses ring, the listeners (metrics).
   */
  private async generate(run: Run, work: (signal: AbortSignal, claim: Claim) => Promise<NewCacheFile[]>): Promise<void> {
    const { store, config } = this.deps;
    return this.limiter.run(this.maxWaitMs(), async () => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), config.packagingTimeoutSec * 1000);
      const startedMs = performance.now();
      let files: NewCacheFile[] = [];
      let outcome = 'ok';
      const claim: Claim = { key: run.key, released: false };
      await store.retryWhileLocked(() => store.startGeneration(run.key));
      try {
        files = await work(abort.signal, claim);
      } catch (err) {
        const thrown = abort.signal.aborted
          ? new CasterpakError('PACKAGER_TIMEOUT', `packaging took longer than ${config.packagingTimeoutSec}s`, { key: run.key })
          : err;
        outcome = thrown instanceof CasterpakError ? thrown.code : 'INTERNAL';
        throw thrown;
      } finally {
        clearTimeout(timer);
        if (!claim.released) await this.endGeneration(run.key);
        this.report(run, performance.now() - startedMs, files, outcome);
      }
    });
  }

  /**
   * Releases a run's claim. When the lock outlasts the wait, the claim is left to age out (prune only spares
   * recent claims) rather than turning a published file into an error for the client.
   */
  private async endGeneration(key: string): Promise<void> {
    const { store, log } = this.deps;
    try {
      await store.retryWhileLocked(() => store.endGeneration(key));
    } catch (err) {
      log.warn({ err, key }, 'could not release a packaging claim in SQLite; it ages out');
    }
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

  /** The media playlist of the rendition, or of one of its tracks alone: the same segments, each track's names. */
  private playlistText(src: SourceFile, list: SegmentList, track?: TsTrack): string {
    const { publicBaseUrl, urlPrefix, allowCache } = this.deps.config;
    const base = renditionBaseUri({ publicBaseUrl, urlPrefix, sourceRel: src.relPath, from: 'rendition' });
    const name = (n: number) => (track ? trackSegmentName(track, n) : segmentFileName(n));
    return renderMediaPlaylist({ durationsSec: list.durationsSec, segmentUri: (n) => base + name(n), allowCache, startOffsetSec: list.startOffsetSec });
  }

  /**
   * Publishes a run's files only if `pkg` is still its source's package (see publishGeneration). `release`:
   * the run ends with this publish, so its claim goes in the same transaction rather than in one of its own.
   */
  private async publishInPackage(pkg: PackageRow, prepared: readonly PreparedFile[], kinds: (p: PreparedFile) => NewCacheFile['kind'], release?: Claim): Promise<NewCacheFile[]> {
    const { store, config } = this.deps;
    const files = prepared.map((p): NewCacheFile => ({ path: p.cachePath, packageId: pkg.id, kind: kinds(p), bytes: p.bytes }));
    const record = () => {
      store.recordFiles(files);
      if (release) store.endGeneration(release.key);
    };
    await publishGeneration({ store, cacheDir: config.cacheDir, packages: [pkg], files: prepared, record });
    if (release) release.released = true;
    this.stats.bytesWritten += files.reduce((sum, f) => sum + f.bytes, 0);
    return files;
  }

  /** Whole-rendition packagers: every segment is published before the playlist that names them. */
  private packageRendition(resolved: SourceFile, cachePath: string): Promise<void> {
    const { store, config, packager } = this.deps;
    return this.generate({ key: packageGenerationKey(resolved.relPath), cachePath, sourceRel: resolved.relPath }, (signal) =>
      // The source is opened once for the whole run and read only through it (closed after the run).
      withOpened(this.source, resolved.relPath, async (src) => {
      // The builtin reader vets the source first (a 422 with its reason): ffmpeg exits 0 on a truncated
      // mdat and mp42hls writes 0-second packages for several broken inputs.
      await this.planner.plannedMovie(src);
      const renditionDir = renditionCacheDir(config.urlPrefix, src.relPath);
      const pkg = await claimPackage({ store, cacheDir: config.cacheDir, source: this.source, src, renditionDir, packager: packager.name, granularity: 'rendition', segmentCount: null });
      const workDir = await newTmpPath(config.cacheDir, 'rendition');
      await fs.mkdir(workDir);
      try {
        const list = await packager.packageRendition(src, workDir, signal);
        const prepared: PreparedFile[] = [];
        for (let n = 1; n <= list.durationsSec.length; n += 1) {
          prepared.push(await prepareTmpFile(path.join(workDir, segmentFileName(n)), renditionFilePath(config.urlPrefix, src.relPath, { kind: 'segment', n })));
        }
        const playlistPath = renditionFilePath(config.urlPrefix, src.relPath, { kind: 'media-playlist' });
        prepared.push(await prepareBytes(config.cacheDir, playlistPath, this.playlistText(src, list)));
        await this.deps.beforePublish?.(cachePath);
        // All of it or none of it, segments renamed before the playlist that names them.
        const files = await this.publishInPackage(pkg, prepared, (p) => (p.cachePath === playlistPath ? 'playlist' : 'segment'));
        await store.retryWhileLocked(() => store.setSegmentCount(pkg.id, list.durationsSec.length));
        return files;
      } catch (err) {
        // One attempt, not a wait: a row left behind (the lock still held) only makes the next miss package again.
        try {
          store.deletePackage(pkg.id);
        } catch {
          // the database is still locked
        }
        throw err;
      } finally {
        await fs.rm(workDir, { recursive: true, force: true });
      }
    }));
  }

  /** Segment packagers: the playlist from the plan alone, or one segment muxed on its own. */
  private packageOneFile(packager: SegmentPackager, resolved: SourceFile, req: RenditionRequest): Promise<void> {
    const { store, config } = this.deps;
    return this.generate({ key: fileGenerationKey(req.cachePath), cachePath: req.cachePath, sourceRel: resolved.relPath }, (signal, claim) =>
      // The source is opened once for the run, reusing the request's path checks, and read only through it (closed after the run).
      withOpened(this.source, resolved.relPath, async (src) => {
      // The packager checks and plans the source again as it makes any file; a package that stands needs no count.
      const list = once(() => packager.plan(src));
      const renditionDir = renditionCacheDir(config.urlPrefix, src.relPath);
      const segmentCount = async () => (await list()).durationsSec.length;
      const pkg = await claimPackage({ store, cacheDir: config.cacheDir, source: this.source, src, renditionDir, packager: packager.name, granularity: 'segment', segmentCount });
      const prepared = await this.prepareFile({ packager, src, file: req.file, list, signal }, req.cachePath);
      await this.deps.beforePublish?.(req.cachePath);
      return this.publishInPackage(pkg, [prepared], () => fileKindOf(req.cachePath), claim);
    }, resolved));
  }

  /** One file of a rendition written under .tmp/, ready to publish; a TS segment from the packager's reused buffer, a CMAF one from its read buffer. */
  private async prepareFile(job: FileJob, cachePath: string): Promise<PreparedFile> {
    const { packager, src, file, list, signal } = job;
    const cacheDir = this.deps.config.cacheDir;
    if (file.kind === 'segment' && packager.withSegment && file.n <= (await list()).durationsSec.length) {
      return packager.withSegment(src, file.n, signal, (bytes) => prepareBytes(cacheDir, cachePath, bytes));
    }
    if (isCmafFile(file) && file.kind !== 'cmaf-master' && file.kind !== 'cmaf-mpd') {
      return prepareCmafFile({ config: this.deps.config, cmaf: requireCmafPackager(packager), src, file, signal }, cachePath);
    }
    return prepareBytes(cacheDir, cachePath, await this.fileBytes(job));
  }

  /** What one file of a rendition holds: a TS segment, the media playlist, or a subtitle file (CMAF files: see prepareFile). */
  private async fileBytes(job: FileJob): Promise<Uint8Array | string> {
    const { packager, src, file, signal } = job;
    if (isSubtitleFile(file)) return subtitleFileBytes({ config: this.deps.config, packager, catalog: this.subtitles, src, file });
    const list = await job.list();
    if (file.kind === 'segment' || file.kind === 'track-segment') {
      if (file.n > list.durationsSec.length) throw new CasterpakError('NOT_FOUND', 'no such segment', { n: file.n, segments: list.durationsSec.length });
      return packager.segment(src, file.n, signal, file.kind === 'track-segment' ? file.track : undefined);
    }
    if (file.kind === 'track-playlist') {
      await requireTrack(packager, src, file.track);
      return this.playlistText(src, list, file.track);
    }
    return this.playlistText(src, list);
  }
}
