// The builtin packager: plans from the moov alone and muxes any single segment to MPEG-TS by reading only its samples.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CasterpakError } from '../errors.js';
import { muxSegment } from '../mpegts/muxer.js';
import { readMovie } from '../mp4/read-movie.js';
import type { Movie, RangeReader } from '../mp4/types.js';
import { packageVersion } from '../package-root.js';
import { segmentFileName } from '../layout/rendition-files.js';
import { planSegments } from '../plan/segment-plan.js';
import type { SegmentPlan } from '../plan/types.js';
import { openFileReader, type FileRangeReader } from '../source/file-reader.js';
import type { SourceFile } from '../source/resolve.js';
import { ScratchPool, roundUpToMiB } from '../source/scratch-pool.js';
import { classifyCutCandidates } from './builtin/idr-probe.js';
import { ParsedSources, type ParsedSource } from './builtin/parsed-sources.js';
import { readSegmentInput } from './builtin/segment-input.js';
import type { LruLimits } from './builtin/lru.js';
import type { CmafPackager, PackagerOptions, SegmentList, SegmentPackager } from './packager.js';
import { cmafMediaSegment } from './builtin/cmaf-segment.js';
import { initSegment } from '../fmp4/init.js';

export interface BuiltinOptions extends PackagerOptions {
  /** Bounds of the in-memory cache of parsed moovs and plans. */
  readonly cacheLimits?: LruLimits;
  /** How a source is opened for ranged reads (default: the file itself; tests wrap it to count reads). */
  readonly openReader?: (absPath: string) => Promise<FileRangeReader>;
}

export interface BuiltinPackager extends SegmentPackager, CmafPackager {
  /** The full plan (sample ranges, byte totals, timeline shift), for master playlists and tests. */
  segmentPlan(src: SourceFile): Promise<SegmentPlan>;
  /** The parsed moov with its plan: what master playlists describe (codecs, sizes, times), without muxing. */
  plannedMovie(src: SourceFile): Promise<{ movie: Movie; plan: SegmentPlan }>;
}

/** The file on disk must still be the one the caller stat'ed: a changed size means it was replaced meanwhile. */
function checkUnchanged(src: SourceFile, reader: RangeReader): void {
  if (reader.sizeBytes !== src.sizeBytes) {
    throw new CasterpakError('PACKAGER_FAILED', `${src.relPath} changed while it was being packaged`, {
      expectedBytes: src.sizeBytes,
      actualBytes: reader.sizeBytes,
    });
  }
}

export function createBuiltinPackager(options: BuiltinOptions): BuiltinPackager {
  const sources = new ParsedSources(options.cacheLimits);
  const scratch = new ScratchPool();
  const targetSec = options.segmentDurationSec;
  const openReader = options.openReader ?? openFileReader;

  /** Runs `work` with the source open and always closes it. */
  const withFileReader = async <T>(absPath: string, work: (reader: FileRangeReader) => Promise<T>): Promise<T> => {
    const reader = await openReader(absPath);
    try {
      return await work(reader);
    } finally {
      await reader.close();
    }
  };

  const parsed = (src: SourceFile, reader: RangeReader): Promise<ParsedSource> => sources.get(src, () => readMovie(reader));

  /**
   * The plan for the configured target, made once per parsed source and shared by concurrent requests
   * (so it takes no request's abort signal: classification is a few small reads).
   */
  const planWith = async (src: SourceFile, reader: RangeReader): Promise<{ source: ParsedSource; plan: SegmentPlan }> => {
    checkUnchanged(src, reader);
    const source = await parsed(src, reader);
    let plan = source.plans.get(targetSec);
    if (!plan) {
      plan = (async () => {
        if (source.movie.video) await classifyCutCandidates(reader, source.movie.video, targetSec, source.marks);
        return planSegments(source.movie, { segmentDurationSec: targetSec }, source.marks);
      })();
      source.plans.set(targetSec, plan);
      plan.catch(() => source.plans.delete(targetSec));
    }
    return { source, plan: await plan };
  };

  const muxOne = async (src: SourceFile, reader: RangeReader, n: number, signal: AbortSignal): Promise<Uint8Array> => {
    const { source, plan } = await planWith(src, reader);
    const segment = plan.segments[n - 1];
    if (!Number.isInteger(n) || !segment) {
      throw new CasterpakError('NOT_FOUND', `segment ${n} does not exist (the rendition has ${plan.segments.length})`, { n });
    }
    const { input, release } = await readSegmentInput({ reader, scratch, movie: source.movie, marks: source.marks, plan }, segment, signal);
    try {
      signal.throwIfAborted();
      return muxSegment(input);
    } finally {
      release();
    }
  };

  const segmentPlan = (src: SourceFile): Promise<SegmentPlan> =>
    withFileReader(src.absPath, async (reader) => (await planWith(src, reader)).plan);

  const plannedMovie = (src: SourceFile): Promise<{ movie: Movie; plan: SegmentPlan }> =>
    withFileReader(src.absPath, async (reader) => {
      const { source, plan } = await planWith(src, reader);
      return { movie: source.movie, plan };
    });

  return {
    name: 'builtin',
    granularity: 'segment',

    async probe() {
      return `builtin (CasterPak ${packageVersion()})`;
    },

    segmentPlan,
    plannedMovie,

    async cmafInit(src, track) {
      const { movie } = await plannedMovie(src);
      const chosen = track === 'video' ? movie.video : movie.audio;
      if (!chosen) throw new CasterpakError('NOT_FOUND', `the rendition has no ${track} track`, { track });
      return initSegment(chosen);
    },

    async cmafSegment(src, track, n, signal) {
      return withFileReader(src.absPath, async (reader) => {
        const { source, plan } = await planWith(src, reader);
        return cmafMediaSegment({ reader, scratch, movie: source.movie, plan }, track, n, signal);
      });
    },

    async plan(src): Promise<SegmentList> {
      const plan = await segmentPlan(src);
      return { durationsSec: plan.segments.map((segment) => segment.durationSec) };
    },

    async segment(src, n, signal) {
      return withFileReader(src.absPath, (reader) => muxOne(src, reader, n, signal));
    },

    async packageRendition(src, outDir, signal): Promise<SegmentList> {
      return withFileReader(src.absPath, async (reader) => {
        const { source, plan } = await planWith(src, reader);
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
        return { durationsSec: plan.segments.map((segment) => segment.durationSec) };
      });
    },
  };
}
