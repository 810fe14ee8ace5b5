// Builds fragmented MP4 files in memory (an init moov with mvex, then moof + mdat pairs), choosing each optional trun and tfhd field.

import { box, bytes, fullBox, i32, u32, u64 } from './boxes.js';
import { buildMovie, type SynthSample, type SynthTrack } from './mp4-builder.js';

/** Which samples of which track (index into `tracks`) one traf carries. */
export interface TrafSpec {
  readonly track: number;
  readonly first: number;
  readonly count: number;
}

/** Per-sample fields written in trun; a field left out comes from the tfhd (or trex) defaults. */
export interface TrunFields {
  readonly duration?: boolean;
  readonly size?: boolean;
  readonly flags?: boolean;
  readonly compositionOffset?: boolean;
  /** first_sample_flags for the run's first sample, the rest from the defaults (needs `flags` off). */
  readonly firstSampleFlags?: boolean;
}

export interface FragmentedMovie {
  readonly tracks: readonly SynthTrack[];
  /** Each moof's trafs, in order. */
  readonly fragments: readonly (readonly TrafSpec[])[];
  readonly fields?: TrunFields;
  readonly trunVersion?: 0 | 1;
  /**
   * How data offsets are based (§8.8.7.1): an explicit base_data_offset, default-base-is-moof, or
   * neither (the first traf from the moof, the next ones after the previous traf's data).
   */
  readonly base?: 'explicit' | 'moof' | 'implicit';
  /** The defaults for fields left out of trun: in tfhd (default) or only in trex. */
  readonly defaultsIn?: 'tfhd' | 'trex';
  /** Write tfdt (default true). */
  readonly tfdt?: boolean;
  /** Split each traf's samples over this many truns (default 1). */
  readonly runsPerTraf?: number;
  /** Put a sidx (content not read) after the moov. */
  readonly sidx?: boolean;
  /** The first samples of each track stay in the moov's stbl (a non-empty moov). */
  readonly moovSamples?: number;
  /** sample_description_index written in tfhd. */
  readonly descriptionIndex?: number;
}

export const SYNC_FLAGS = 0x02000000; // sample_depends_on = 2 (an I picture)
export const NON_SYNC_FLAGS = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample

const flagsOf = (sample: SynthSample) => (sample.sync === false ? NON_SYNC_FLAGS : SYNC_FLAGS);

function constant(samples: readonly SynthSample[], read: (s: SynthSample) => number, what: string): number {
  const values = new Set(samples.map(read));
  if (values.size > 1) throw new Error(`fragment builder: a defaulted ${what} needs equal values, got ${[...values].join(', ')}`);
  return [...values][0] ?? 0;
}

interface Defaults {
  readonly duration: number;
  readonly size: number;
  readonly flags: number;
}

function defaultsOf(track: SynthTrack, movie: FragmentedMovie): Defaults {
  const fields = movie.fields ?? {};
  const fragmentSamples = track.samples.slice(movie.moovSamples ?? 0);
  return {
    duration: fields.duration ? 0 : constant(fragmentSamples, (s) => s.duration, 'duration'),
    size: fields.size ? 0 : constant(fragmentSamples, (s) => s.data.length, 'size'),
    // With first_sample_flags, only a run's first sample may be sync: the others take the non-sync default.
    flags: fields.flags ? 0 : fields.firstSampleFlags ? NON_SYNC_FLAGS : constant(fragmentSamples, flagsOf, 'flags'),
  };
}

function trex(trackId: number, defaults: Defaults | undefined): Uint8Array {
  return fullBox('trex', 0, 0, u32(trackId), u32(1), u32(defaults?.duration ?? 0), u32(defaults?.size ?? 0), u32(defaults?.flags ?? 0));
}

function trun(samples: readonly SynthSample[], movie: FragmentedMovie, dataOffset: number | undefined): Uint8Array {
  const f = movie.fields ?? {};
  const flags = (dataOffset !== undefined ? 0x1 : 0) | (f.firstSampleFlags ? 0x4 : 0) | (f.duration ? 0x100 : 0) | (f.size ? 0x200 : 0) | (f.flags ? 0x400 : 0) | (f.compositionOffset ? 0x800 : 0);
  const perSample = samples.map((s) => [
    f.duration ? u32(s.duration) : [],
    f.size ? u32(s.data.length) : [],
    f.flags ? u32(flagsOf(s)) : [],
    f.compositionOffset ? (movie.trunVersion === 1 ? i32(s.cts ?? 0) : u32(s.cts ?? 0)) : [],
  ]);
  return fullBox('trun', movie.trunVersion ?? 0, flags, u32(samples.length), dataOffset !== undefined ? i32(dataOffset) : [], f.firstSampleFlags ? u32(flagsOf(samples[0])) : [], perSample);
}

function tfhd(trackId: number, movie: FragmentedMovie, defaults: Defaults, baseDataOffset: number): Uint8Array {
  const inTfhd = (movie.defaultsIn ?? 'tfhd') === 'tfhd';
  const base = movie.base ?? 'explicit';
  const flags = (base === 'explicit' ? 0x1 : 0) | (movie.descriptionIndex !== undefined ? 0x2 : 0) | (inTfhd ? 0x38 : 0) | (base === 'moof' ? 0x20000 : 0);
  return fullBox(
    'tfhd', 0, flags, u32(trackId),
    base === 'explicit' ? u64(baseDataOffset) : [],
    movie.descriptionIndex !== undefined ? u32(movie.descriptionIndex) : [],
    inTfhd ? [u32(defaults.duration), u32(defaults.size), u32(defaults.flags)] : [],
  );
}

function chunksOf<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, k) => items.slice(k * size, (k + 1) * size)).filter((part) => part.length > 0);
}

/** One moof + mdat at `moofStart`; offsets are computed for the sizes measured in a first pass. */
function fragment(movie: FragmentedMovie, trafs: readonly TrafSpec[], sequence: number, at: { moofStart: number; moofBytes: number }): Uint8Array[] {
  const mdatPayloadStart = at.moofStart + at.moofBytes + 8;
  let position = 0;
  const payload: Uint8Array[] = [];
  const trafBoxes = trafs.map((spec, k) => {
    const track = movie.tracks[spec.track];
    const samples = track.samples.slice(spec.first, spec.first + spec.count);
    const defaults = defaultsOf(track, movie);
    const trafStart = position;
    const runs = chunksOf(samples, movie.runsPerTraf ?? 1).map((run, r) => {
      // Explicit: offsets from this traf's own base; moof: from the moof; implicit: only the first run of the first traf says where.
      const base = movie.base ?? 'explicit';
      const offset = base === 'explicit' ? position - trafStart : base === 'moof' ? mdatPayloadStart - at.moofStart + position : k === 0 && r === 0 ? mdatPayloadStart - at.moofStart : undefined;
      const box = trun(run, movie, r === 0 || base !== 'implicit' ? offset : undefined);
      for (const sample of run) {
        payload.push(sample.data);
        position += sample.data.length;
      }
      return box;
    });
    const baseDecodeTime = track.samples.slice(0, spec.first).reduce((sum, s) => sum + s.duration, 0);
    return box('traf', tfhd(spec.track + 1, movie, defaults, mdatPayloadStart + trafStart), movie.tfdt === false ? [] : fullBox('tfdt', 1, 0, u64(baseDecodeTime)), runs);
  });
  return [box('moof', fullBox('mfhd', 0, 0, u32(sequence)), trafBoxes), box('mdat', bytes(payload))];
}

export function buildFragmented(movie: FragmentedMovie): Uint8Array {
  const inMoov = movie.moovSamples ?? 0;
  const mvex = box('mvex', movie.tracks.map((track, i) => trex(i + 1, (movie.defaultsIn ?? 'tfhd') === 'trex' ? defaultsOf(track, movie) : undefined)));
  const init = buildMovie({ tracks: movie.tracks.map((track) => ({ ...track, samples: track.samples.slice(0, inMoov), edits: undefined })), extraMoovBoxes: [mvex] });
  const parts: Uint8Array[] = [init, movie.sidx ? fullBox('sidx', 1, 0, u32(1), u32(1000), u64(0), u64(0), u32(0)) : new Uint8Array(0)];
  let offset = parts.reduce((sum, part) => sum + part.length, 0);
  movie.fragments.forEach((trafs, n) => {
    const moofBytes = fragment(movie, trafs, n + 1, { moofStart: offset, moofBytes: 0 })[0].length;
    const boxes = fragment(movie, trafs, n + 1, { moofStart: offset, moofBytes });
    parts.push(...boxes);
    offset += boxes[0].length + boxes[1].length;
  });
  return bytes(parts);
}

/** Fragments of `perFragment` samples of every track, all tracks' trafs in the same moof (as ffmpeg writes them). */
export function evenFragments(tracks: readonly SynthTrack[], perFragment: readonly number[], from = 0): TrafSpec[][] {
  const fragments: TrafSpec[][] = [];
  for (let n = 0; ; n++) {
    const trafs = tracks.flatMap((track, i) => {
      const first = from + n * perFragment[i];
      const count = Math.min(perFragment[i], track.samples.length - first);
      return count > 0 ? [{ track: i, first, count }] : [];
    });
    if (trafs.length === 0) return fragments;
    fragments.push(trafs);
  }
}
