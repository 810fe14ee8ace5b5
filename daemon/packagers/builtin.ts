// The builtin packager: plans from the moov alone and muxes any single segment to MPEG-TS by reading only its samples.

import { fstatSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';
import { muxSegment } from '../mpegts/muxer.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../source-limits.js';
import { audioTracksOf, type Movie } from '../mp4/types.js';
import type { TsTrack } from '../layout/track-files.js';
import type { CmafTrack } from '../layout/cmaf-files.js';
import { selectCmafTrack, selectTrack } from '../plan/track-selection.js';
import { packageVersion } from '../package-root.js';
import { segmentFileName } from '../layout/rendition-files.js';
import type { SegmentPlan } from '../plan/types.js';
import { ScratchPool, roundUpToMiB } from '../source/scratch-pool.js';
import { parseAndPlan, type PlannedSource } from './builtin/parse-and-plan.js';
import { parseInThread } from './builtin/in-thread-parse.js';
import { ParsePool, type ParsePoolOptions } from './builtin/parse-pool.js';
import { ParsedSources, type ParsedSource } from './builtin/parsed-sources.js';
import { readSegmentInput } from './builtin/segment-input.js';
import type { LruLimits } from './builtin/lru.js';
import { initSegment } from '../fmp4/init.js';
import type { OpenSource, SourceReader } from '../source/source.js';
import { cmafMediaSegment, withCmafMediaSegment, type CmafSegmentSource } from './builtin/cmaf-segment.js';
import type { CmafPackager, PackagerOptions, SegmentList, SegmentPackager } from './packager.js';
import { silentLogger, type Logger } from '../log.js';

export interface BuiltinOptions extends PackagerOptions {
  /** Bounds of the in-memory cache of parsed moovs and plans. */
  readonly cacheLimits?: LruLimits;
  /** The [limits] every source must stay within (default: DEFAULT_SOURCE_LIMITS). */
  readonly limits?: SourceLimits;
  /** The parse workers: a pool to share (the daemon's, a benchmark's) or the bounds of one of its own. */
  readonly parsePool?: ParsePool | ParsePoolOptions;
  /**
   * Tests only: wraps the reader of the opened source (to count reads) and parses in this thread,
   * since a worker's reads cannot be observed from here.
   */
  readonly wrapReader?: (reader: SourceReader, src: OpenSource) => SourceReader;
  /** False: every source is parsed in a worker, small ones included (tests of the workers). */
  readonly inThread?: boolean;
  /** Where the reader's notes on a source go (which track of several, edits not applied), at info, once per parse. */
  readonly log?: Logger;
}

export interface BuiltinPackager extends SegmentPackager, CmafPackager {
  /** The full plan (sample ranges, byte totals, timeline shift), for master playlists and tests. */
  segmentPlan(src: OpenSource): Promise<SegmentPlan>;
  /** The parsed moov with its plan: what master playlists describe (codecs, sizes, times), without muxing. */
  plannedMovie(src: OpenSource): Promise<{ movie: Movie; plan: SegmentPlan }>;
  /** The parse workers (shared with the master planner; ended on shutdown). */
  readonly parsePool: ParsePool;
  withSegment<T>(src: OpenSource, n: number, signal: AbortSignal, use: (bytes: Uint8Array) => Promise<T>): Promise<T>;
}

/**
 * An open local file must still be what the caller described: a changed size means it was rewritten in
 * place meanwhile. (A remote object's reads ask for the version opened, so a change fails them instead.)
 * fstat of an open descriptor reads the in-memory inode, never the disk: asked on this thread, it spares
 * every request a trip through the thread pool.
 */
function checkUnchanged(src: OpenSource): void {
  if (src.fd === undefined) return;
  const { size } = fstatSync(src.fd);
  if (size !== src.sizeBytes) {
    throw new CasterpakError('PACKAGER_FAILED', `${src.relPath} changed while it was being packaged`, { expectedBytes: src.sizeBytes, actualBytes: size });
  }
}

export function createBuiltinPackager(options: BuiltinOptions): BuiltinPackager {
  const sources = new ParsedSources(options.cacheLimits);
  const scratch = new ScratchPool();
  // Muxed segments on their way to disk: one ~10 MB output buffer reused per concurrent miss instead of a fresh
  // one each time (fresh ones cost page faults, zero pages and collector work on every segment).
  const outputs = new ScratchPool(1);
  const targetSec = options.segmentDurationSec;
  const pool = options.parsePool instanceof ParsePool ? options.parsePool : new ParsePool(options.parsePool);
  const limits = options.limits ?? DEFAULT_SOURCE_LIMITS;
  const wrap = options.wrapReader ?? ((reader: SourceReader) => reader);

  /** Reads of the opened source, through it alone (a local file is never reopened by name). */
  const readerOf = (src: OpenSource): SourceReader => wrap(src.reader, src);

  /**
   * A moov within the in-thread bounds (checked before the allocation or work each bounds) is parsed
   * and planned here; any other is parsed in a worker, bounded in memory and time, so a crafted moov
   * costs that worker and not the daemon (its typed sample tables come back moved, not copied). One
   * parse per source even under concurrent requests. Both read through the source's header reader: a
   * local file's worker reads its descriptor, a remote object's asks this thread for each range (the
   * header reader keeps them on disk).
   */
  const parse = async (src: OpenSource): Promise<PlannedSource> => {
    const parseOptions = { segmentDurationSec: targetSec, limits };
    if (options.wrapReader) return parseAndPlan(wrap(src.headerReader, src), parseOptions);
    const here = options.inThread === false ? undefined : await parseInThread(src.headerReader, parseOptions);
    return here ?? pool.run({ fd: src.fd, sizeBytes: src.sizeBytes, relPath: src.relPath, ...parseOptions }, src.headerReader);
  };
  const log = options.log ?? silentLogger;
  const load = async (src: OpenSource): Promise<PlannedSource> => {
    const planned = await parse(src);
    for (const note of planned.movie.notes ?? []) log.info({ source: src.relPath, note }, 'source read with a choice made');
    return planned;
  };

  const planWith = async (src: OpenSource): Promise<{ source: ParsedSource; plan: SegmentPlan }> => {
    checkUnchanged(src);
    const source = await sources.get(src, () => load(src));
    const plan = source.plans.get(targetSec);
    if (!plan) throw new CasterpakError('PACKAGER_FAILED', `no plan for ${targetSec}s segments of ${src.relPath}`, {});
    return { source, plan: await plan };
  };

  /** Segment `n` of the rendition (or of one track alone), muxed into `allocate`'s buffer when given. */
  const muxOne = async (src: OpenSource, n: number, signal: AbortSignal, out: { track?: TsTrack; allocate?: (bytes: number) => Uint8Array } = {}): Promise<Uint8Array> => {
    const { track, allocate } = out;
    const reader = readerOf(src);
    const { source, plan: whole } = await planWith(src);
    const selected = track ? selectTrack(source.movie, whole, track) : { movie: source.movie, plan: whole };
    if (!selected) throw new CasterpakError('NOT_FOUND', `the rendition has no ${track?.type === 'audio' ? `audio track ${track.k}` : 'video'}`, { track });
    const { movie, plan } = selected;
    const segment = plan.segments[n - 1];
    if (!Number.isInteger(n) || !segment) {
      throw new CasterpakError('NOT_FOUND', `segment ${n} does not exist (the rendition has ${plan.segments.length})`, { n });
    }
    const { input, release } = await readSegmentInput({ reader, scratch, movie, marks: source.marks, plan }, segment, signal);
    try {
      signal.throwIfAborted();
      return muxSegment(input, allocate);
    } finally {
      release();
    }
  };

  /** The CMAF track's view of the rendition (its video, or one audio track as its audio) and what its segments are read with. */
  const cmafSource = async (src: OpenSource, track: CmafTrack): Promise<{ source: CmafSegmentSource; kind: 'video' | 'audio' }> => {
    const { source, plan } = await planWith(src);
    const view = selectCmafTrack(source.movie, plan, track);
    if (!view) throw new CasterpakError('NOT_FOUND', `the rendition has no ${track} track`, { track });
    return { source: { reader: readerOf(src), scratch, movie: view.movie, plan: view.plan }, kind: view.kind };
  };

  const segmentPlan = async (src: OpenSource): Promise<SegmentPlan> => (await planWith(src)).plan;

  const plannedMovie = async (src: OpenSource): Promise<{ movie: Movie; plan: SegmentPlan }> => {
    const { source, plan } = await planWith(src);
    return { movie: source.movie, plan };
  };

  return {
    name: 'builtin',
    granularity: 'segment',

    async probe() {
      return `builtin (CasterPak ${packageVersion()})`;
    },

    segmentPlan,
    plannedMovie,
    parsePool: pool,

    async cmafInit(src, track) {
      const { movie, plan } = await plannedMovie(src);
      const view = selectCmafTrack(movie, plan, track);
      const chosen = view ? (view.kind === 'video' ? view.movie.video : view.movie.audio) : undefined;
      if (!chosen) throw new CasterpakError('NOT_FOUND', `the rendition has no ${track} track`, { track });
      return initSegment(chosen);
    },

    async cmafSegment(src, track, n, signal) {
      const { source, kind } = await cmafSource(src, track);
      return cmafMediaSegment(source, { kind, n }, signal);
    },

    async withCmafSegment(src, track, n, signal, use) {
      const { source, kind } = await cmafSource(src, track);
      return withCmafMediaSegment(source, { kind, n }, signal, use);
    },

    async tracks(src) {
      const { movie } = await plannedMovie(src);
      return { hasVideo: movie.video !== undefined, audioCount: audioTracksOf(movie).length };
    },

    async plan(src): Promise<SegmentList> {
      const plan = await segmentPlan(src);
      return segmentListOf(plan);
    },

    async segment(src, n, signal, track) {
      return muxOne(src, n, signal, { track });
    },

    async withSegment(src, n, signal, use) {
      const bytes = await muxOne(src, n, signal, { allocate: (size) => outputs.take(size) });
      try {
        return await use(bytes);
      } finally {
        outputs.give(bytes);
      }
    },

    async packageRendition(src, outDir, signal): Promise<SegmentList> {
      const reader = readerOf(src);
      const { source, plan } = await planWith(src);
      const segmentSource = { reader, scratch, movie: source.movie, marks: source.marks, plan };
      const readInput = (index: number) => {
        const input = readSegmentInput(segmentSource, plan.segments[index], signal);
        input.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
        return input;
      };
      // Reading segment N+1 overlaps muxing and writing segment N; at most two segments are in memory.
      let next = readInput(0);
      // Each segment is written out before the next is muxed, so one output buffer serves them all
      // (fresh ~10 MB buffers cost page faults and garbage collection on every segment).
      let output = new Uint8Array(0);
      const reuseOutput = (bytes: number): Uint8Array => {
        if (output.length < bytes) output = new Uint8Array(Buffer.allocUnsafeSlow(roundUpToMiB(bytes)).buffer);
        return output.subarray(0, bytes);
      };
      for (let index = 0; index < plan.segments.length; index++) {
        const { input, release } = await next;
        if (index + 1 < plan.segments.length) next = readInput(index + 1);
        let bytes: Uint8Array;
        try {
          signal.throwIfAborted();
          bytes = muxSegment(input, reuseOutput);
        } finally {
          release();
        }
        await fs.writeFile(path.join(outDir, segmentFileName(index + 1)), bytes);
      }
      return segmentListOf(plan);
    },
  };
}

/** The playlist's facts from the plan: durations, and where to start past a kept pre-roll. */
function segmentListOf(plan: SegmentPlan): SegmentList {
  const durationsSec = plan.segments.map((segment) => segment.durationSec);
  return plan.startOffsetSec === undefined ? { durationsSec } : { durationsSec, startOffsetSec: plan.startOffsetSec };
}
