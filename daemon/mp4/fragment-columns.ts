// One track's samples gathered from its track fragments: growable columns that place each trun sample in the file and in time.

import { mp4Error } from '../errors.js';
import type { RunSink } from './fragment-boxes.js';
import type { SampleTable } from './types.js';

/** A track's fragment samples, and whether their decode times came from a tfdt (else they count from 0). */
export interface FragmentTrack {
  readonly samples: SampleTable;
  readonly decodeTimeKnown: boolean;
}

/** Counts samples before they are stored, so a run's declared count is refused before the columns grow. */
export interface SampleBudget {
  /** `defaultSizeBytes`: every sample of the run has this size (trun gives no sizes). */
  spendSamples(count: number, where: string, defaultSizeBytes?: number): void;
  /** The most samples the source may have: columns never grow past it. */
  readonly maxSamples: number;
}

const INITIAL_CAPACITY = 1024;

export class FragmentColumns implements RunSink {
  private count = 0;
  private offsets = new Float64Array(INITIAL_CAPACITY);
  private sizes = new Uint32Array(INITIAL_CAPACITY);
  private dts = new Float64Array(INITIAL_CAPACITY);
  private cts = new Int32Array(INITIAL_CAPACITY);
  private durations = new Uint32Array(INITIAL_CAPACITY);
  private sync = new Uint8Array(INITIAL_CAPACITY);
  private nextDts = 0;
  private decodeTimeKnown = false;
  /** The track fragment's base data offset, and where the next sample's bytes start. */
  private base = 0;
  private position = 0;
  private firstRunOfTraf = true;

  constructor(private readonly budget: SampleBudget) {}

  /** A traf begins: data offsets now count from `baseOffset`; a tfdt (§8.8.12) sets the next decode time. */
  beginTraf(baseOffset: number, baseDecodeTicks: number | undefined, where: string): void {
    this.base = baseOffset;
    this.position = baseOffset;
    this.firstRunOfTraf = true;
    if (baseDecodeTicks === undefined) return;
    // Decode times only move forward; a fragment that starts before the previous one ended is not a timeline.
    if (this.count > 0 && baseDecodeTicks < this.nextDts) {
      throw mp4Error('MP4_TABLE_MISMATCH', `${where}: tfdt ${baseDecodeTicks} is before the end of the previous fragment (${this.nextDts})`, {
        where,
        baseDecodeTicks,
        previousEndTicks: this.nextDts,
      });
    }
    if (this.count === 0) this.decodeTimeKnown = true;
    this.nextDts = baseDecodeTicks;
  }

  /** Where the data of the traf read last ends: the default base of the next traf of the same moof (§8.8.7.1). */
  get dataEnd(): number {
    return this.position;
  }

  startRun({ count, dataOffset, defaultSizeBytes }: { count: number; dataOffset?: number; defaultSizeBytes?: number }, where: string): void {
    this.budget.spendSamples(count, where, defaultSizeBytes);
    // A run without data_offset follows the previous run of the traf, or starts at the base (§8.8.8.1).
    if (dataOffset !== undefined) this.position = this.base + dataOffset;
    else if (this.firstRunOfTraf) this.position = this.base;
    this.firstRunOfTraf = false;
    this.reserve(this.count + count);
  }

  addSample(durationTicks: number, sizeBytes: number, compositionOffset: number, sync: boolean): void {
    const i = this.count++;
    this.offsets[i] = this.position;
    this.sizes[i] = sizeBytes;
    this.dts[i] = this.nextDts;
    this.cts[i] = compositionOffset;
    this.durations[i] = durationTicks;
    this.sync[i] = sync ? 1 : 0;
    this.position += sizeBytes;
    this.nextDts += durationTicks;
  }

  /** Forgets the last samples while they end past `endByte`: those of a fragment the file was cut inside. */
  dropSamplesPast(endByte: number): void {
    while (this.count > 0 && this.offsets[this.count - 1] + this.sizes[this.count - 1] > endByte) this.count--;
  }

  finish(where: string): FragmentTrack {
    const n = this.count;
    if (this.nextDts > Number.MAX_SAFE_INTEGER) throw mp4Error('MP4_OVERFLOW', `${where}: the total duration overflows`, { where, time: this.nextDts });
    const samples = {
      count: n,
      offsets: this.offsets.slice(0, n),
      sizes: this.sizes.slice(0, n),
      dts: this.dts.slice(0, n),
      cts: this.cts.slice(0, n),
      durations: this.durations.slice(0, n),
      sync: this.sync.slice(0, n),
    };
    return { samples, decodeTimeKnown: this.decodeTimeKnown };
  }

  private reserve(needed: number): void {
    if (needed <= this.offsets.length) return;
    const capacity = Math.max(needed, Math.min(this.offsets.length * 2, this.budget.maxSamples));
    this.offsets = grow(this.offsets, new Float64Array(capacity));
    this.sizes = grow(this.sizes, new Uint32Array(capacity));
    this.dts = grow(this.dts, new Float64Array(capacity));
    this.cts = grow(this.cts, new Int32Array(capacity));
    this.durations = grow(this.durations, new Uint32Array(capacity));
    this.sync = grow(this.sync, new Uint8Array(capacity));
  }
}

function grow<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}
