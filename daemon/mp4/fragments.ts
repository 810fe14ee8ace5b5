// Reads a fragmented MP4's fragment headers: walks the top-level boxes after the moov and reads each moof whole, never an mdat.

import { isCasterpakError, mp4Error } from '../errors.js';
import { boxFromBytes, childBoxes, findChild, requireChild, type Box } from './boxes.js';
import { FragmentColumns, type FragmentTrack, type SampleBudget } from './fragment-columns.js';
import { parseTfdt, parseTfhd, parseTrex, parseTrun, type SampleDefaults } from './fragment-boxes.js';
import { FourCC } from './fourcc.js';
import { BoxBudget, limitError, SAMPLE_BYTES_RULE } from './limits.js';
import { checkPlausibleType, parseTopLevelHeader } from './locate-moov.js';
import type { SourceLimits } from '../source-limits.js';
import type { RangeReader } from './types.js';

/** Enough for the longest top-level header: size, type, largesize (§4.2). */
const HEADER_PROBE_BYTES = 16;

export type FragmentTracks = ReadonlyMap<number, FragmentTrack>;

/** mvex's trex boxes (§8.8.3): each fragmented track's sample defaults, by track_ID. */
export function trackDefaults(mvex: Box): Map<number, SampleDefaults> {
  const defaults = new Map<number, SampleDefaults>();
  for (const trex of childBoxes(mvex).filter((box) => box.type === FourCC.trex)) {
    const { trackId, defaults: values } = parseTrex(trex);
    defaults.set(trackId, values);
  }
  return defaults;
}

/**
 * The work a fragmented file may ask for, from the [limits]: its moofs together count against
 * max_moov_bytes (they are the file's sample tables), each moof's box walk against max_moov_boxes as
 * a moov's does, and every top-level box walked counts with the samples against max_samples, so a
 * file of millions of tiny boxes stops as soon as a file of millions of samples would.
 */
class FragmentBudget implements SampleBudget {
  private spent = 0;
  private moofBytes = 0;

  constructor(
    private readonly limits: SourceLimits,
    private readonly fileSizeBytes: number,
  ) {}

  get maxSamples(): number {
    return this.limits.maxSamples;
  }

  spendSamples(count: number, where: string, defaultSizeBytes?: number): void {
    // A trun without sizes declares any count in a few bytes; its samples still need bytes of their own in the file.
    if (defaultSizeBytes !== undefined && count * Math.max(1, defaultSizeBytes) > this.fileSizeBytes) {
      const message = `${where}: ${count} samples of ${defaultSizeBytes} bytes need more bytes than the file holds (${this.fileSizeBytes}) (${SAMPLE_BYTES_RULE})`;
      throw mp4Error('MP4_LIMIT', message, { where, count, defaultSizeBytes, fileSizeBytes: this.fileSizeBytes });
    }
    this.spent += count;
    if (this.spent > this.limits.maxSamples) {
      throw limitError(this.limits, 'maxSamples', `${where}: ${this.spent} samples and top-level boxes in the fragments`, { where, spent: this.spent });
    }
  }

  spendMoof(sizeBytes: number, offset: number): void {
    this.moofBytes += sizeBytes;
    if (this.moofBytes > this.limits.maxMoovBytes) {
      throw limitError(this.limits, 'maxMoovBytes', `moof boxes of ${this.moofBytes} bytes together (the one at offset ${offset} included)`, { offset, moofBytes: this.moofBytes });
    }
  }
}

export interface FragmentWalk {
  /** The file offset just past the moov: fragments follow it (§8.8.1). */
  readonly startOffset: number;
  readonly defaults: ReadonlyMap<number, SampleDefaults>;
  readonly limits: SourceLimits;
}

/** Every track fragment of the file, gathered per track_ID in file order. */
/**
 * Every track fragment of the file, gathered per track_ID in file order. Only box headers and moof
 * boxes are read: each moof is read together with the header after it (usually its mdat's), so a
 * fragment costs two reads and its media data none.
 */
export async function readFragments(reader: RangeReader, walk: FragmentWalk): Promise<FragmentTracks> {
  const budget = new FragmentBudget(walk.limits, reader.sizeBytes);
  const tracks = new Map<number, FragmentColumns>();
  const state: MoofState = { defaults: walk.defaults, tracks, budget };
  const fileBytes = reader.sizeBytes;
  let lookahead: { offset: number; bytes: Uint8Array } | undefined;
  for (let offset = walk.startOffset; fileBytes - offset >= 8; ) {
    const remaining = fileBytes - offset;
    const head = lookahead?.offset === offset ? lookahead.bytes : await reader.read(offset, Math.min(HEADER_PROBE_BYTES, remaining));
    checkPlausibleType(head, offset);
    const header = cutShort(() => parseTopLevelHeader(head, offset, remaining));
    if (!header) {
      // A recording cut short ends inside its last fragment: the fragments before it stand on their own.
      for (const columns of tracks.values()) columns.dropSamplesPast(fileBytes);
      break;
    }
    budget.spendSamples(1, `top-level '${header.type}' at offset ${offset}`);
    const next = offset + header.sizeBytes;
    if (header.type === FourCC.moof) {
      budget.spendMoof(header.sizeBytes, offset);
      const withNextHeader = await reader.read(offset, header.sizeBytes + Math.min(HEADER_PROBE_BYTES, fileBytes - next));
      lookahead = { offset: next, bytes: withNextHeader.subarray(header.sizeBytes) };
      readMoof(boxFromBytes(withNextHeader.subarray(0, header.sizeBytes), '', new BoxBudget(walk.limits)), offset, state);
    }
    offset = next;
  }
  const result = new Map<number, FragmentTrack>();
  for (const [trackId, columns] of tracks) result.set(trackId, columns.finish(`moof/traf (track ${trackId})`));
  return result;
}

/** The header, or undefined when the box runs past the end of the file (MP4_TRUNCATED). */
function cutShort<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (isCasterpakError(err) && err.code === 'MP4_TRUNCATED') return undefined;
    throw err;
  }
}

interface MoofState {
  readonly defaults: ReadonlyMap<number, SampleDefaults>;
  readonly tracks: Map<number, FragmentColumns>;
  readonly budget: SampleBudget;
}

/** A moof's trafs in order; without an explicit base, a traf's data follows the previous traf's (§8.8.7.1). */
function readMoof(moof: Box, moofStart: number, state: MoofState): void {
  let previousEnd = moofStart;
  for (const traf of childBoxes(moof).filter((box) => box.type === FourCC.traf)) {
    previousEnd = readTraf(traf, { moofStart, previousEnd, state });
  }
}

interface TrafPlace {
  readonly moofStart: number;
  /** Where the previous traf's data ended; the moof's start for the first traf. */
  readonly previousEnd: number;
  readonly state: MoofState;
}

function readTraf(traf: Box, { moofStart, previousEnd, state }: TrafPlace): number {
  const tfhd = parseTfhd(requireChild(traf, FourCC.tfhd), (trackId) => {
    const defaults = state.defaults.get(trackId);
    if (!defaults) throw mp4Error('MP4_BAD_BOX', `${traf.path}/tfhd: track ${trackId} has no trex in moov/mvex`, { where: traf.path, trackId });
    return defaults;
  });
  // The sample entry read from stsd is the first; a fragment that switches to another would change the codec setup mid-stream.
  if (tfhd.defaults.descriptionIndex > 1) {
    const message = `${traf.path}: track ${tfhd.trackId}'s samples use sample description ${tfhd.defaults.descriptionIndex}; only the first (stsd entry 1) is read`;
    throw mp4Error('MP4_FRAGMENTED', message, { where: traf.path, trackId: tfhd.trackId, descriptionIndex: tfhd.defaults.descriptionIndex });
  }
  const base = tfhd.baseDataOffset ?? (tfhd.baseIsMoof ? moofStart : previousEnd);
  let columns = state.tracks.get(tfhd.trackId);
  if (!columns) state.tracks.set(tfhd.trackId, (columns = new FragmentColumns(state.budget)));
  const tfdt = findChild(traf, FourCC.tfdt);
  columns.beginTraf(base, tfdt ? parseTfdt(tfdt) : undefined, traf.path);
  for (const trun of childBoxes(traf).filter((box) => box.type === FourCC.trun)) parseTrun(trun, tfhd.defaults, columns);
  return columns.dataEnd;
}
