// A seeded PRNG and MP4 mutations (byte flips, field overwrites, box size edits, cuts, splices) for the reader's fuzzer.

/** mulberry32: a tiny, fast 32-bit generator; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Values that break size and count arithmetic more often than random ones. */
const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 9, 16, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

export interface Mutation {
  readonly bytes: Uint8Array;
  /** What was done, to reproduce a failure by hand. */
  readonly description: string;
}

class Mutator {
  constructor(readonly random: () => number) {}

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)];
  }

  u32(): number {
    return this.random() < 0.7 ? this.pick(INTERESTING_U32) : this.int(2 ** 32);
  }

  /** Offsets of plausible box headers in [start, end): a four-CC of lower-case letters, digits or spaces after a 32-bit size. */
  boxHeaders(file: Uint8Array, start: number, end: number): number[] {
    const headers: number[] = [];
    for (let at = start; at + 8 <= end; at++) {
      if (isBoxChar(file[at + 4]) && isBoxChar(file[at + 5]) && isBoxChar(file[at + 6]) && isBoxChar(file[at + 7])) headers.push(at);
    }
    return headers;
  }
}

function isBoxChar(byte: number): boolean {
  return (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x20;
}

/** `headers` lists the plausible box headers of the region, found only when an edit asks. */
type Edit = (m: Mutator, file: Uint8Array, region: { start: number; end: number }, headers: () => readonly number[]) => { bytes: Uint8Array; what: string };

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function setU32(file: Uint8Array, at: number, value: number): Uint8Array {
  const copy = file.slice();
  if (at + 4 <= copy.length) new DataView(copy.buffer).setUint32(at, value >>> 0);
  return copy;
}

/** Each edit prefers the bytes of the moov or a moof (`region`): that is where the reader's decisions are. */
const EDITS: readonly Edit[] = [
  (m, file, region) => {
    const at = region.start + m.int(region.end - region.start);
    const copy = file.slice();
    copy[at] = m.int(256);
    return { bytes: copy, what: `byte ${at} = ${copy[at]}` };
  },
  (m, file, region) => {
    const at = region.start + m.int(Math.max(1, region.end - region.start - 4));
    const value = m.u32();
    return { bytes: setU32(file, at, value), what: `u32 at ${at} = ${value}` };
  },
  (m, file, _region, boxHeaders) => {
    const headers = boxHeaders();
    const at = headers.length > 0 ? m.pick(headers) : 0;
    const old = at + 4 <= file.length ? new DataView(file.buffer, file.byteOffset).getUint32(at) : 0;
    const value = m.random() < 0.5 ? m.u32() : Math.max(0, old + m.int(33) - 16);
    return { bytes: setU32(file, at, value), what: `box size at ${at} = ${value}` };
  },
  (m, file, _region, boxHeaders) => {
    const headers = boxHeaders();
    const at = headers.length > 0 ? m.pick(headers) + 12 : 0; // the first field of a full box: often a count
    const value = m.u32();
    return { bytes: setU32(file, at, value), what: `count after box at ${at - 12} = ${value}` };
  },
  (m, file) => {
    const length = m.int(file.length);
    return { bytes: file.slice(0, length), what: `cut to ${length} bytes` };
  },
  (m, file, region) => {
    const from = region.start + m.int(region.end - region.start);
    const to = region.start + m.int(region.end - region.start);
    const length = 1 + m.int(64);
    const copy = file.slice();
    copy.set(file.subarray(from, Math.min(from + length, file.length)).slice(0, Math.max(0, copy.length - to)), to);
    return { bytes: copy, what: `copy ${length} bytes from ${from} to ${to}` };
  },
  (m, file, region) => {
    const at = region.start + m.int(region.end - region.start);
    const length = 1 + m.int(16);
    const inserted = m.random() < 0.5;
    const bytes = inserted
      ? concat(file.subarray(0, at), Uint8Array.from({ length }, () => m.int(256)), file.subarray(at))
      : concat(file.subarray(0, at), file.subarray(at + length));
    return { bytes, what: `${inserted ? 'insert' : 'delete'} ${length} bytes at ${at}` };
  },
];

/** The boxes whose bytes the reader decides from: the moov, and a fragmented file's moofs (§8.8). */
const HEADER_BOXES = ['moov', 'moof'].map((type) => Array.from(type, (ch) => ch.charCodeAt(0)));

/** Each moov or moof box in `file` (found by its four-CC), or the whole file when there is none. */
function headerRegions(file: Uint8Array): Array<{ start: number; end: number }> {
  const regions: Array<{ start: number; end: number }> = [];
  for (let at = 0; at + 8 <= file.length; at++) {
    if (!HEADER_BOXES.some((code) => code.every((byte, k) => file[at + 4 + k] === byte))) continue;
    const size = new DataView(file.buffer, file.byteOffset).getUint32(at);
    regions.push({ start: at, end: Math.min(file.length, at + Math.max(8, size)) });
  }
  return regions.length > 0 ? regions : [{ start: 0, end: Math.max(1, file.length) }];
}

/** One to three edits of `seedFile`, chosen by `random`; most land inside the moov or a moof. */
export function mutate(seedFile: Uint8Array, random: () => number): Mutation {
  const m = new Mutator(random);
  let bytes = seedFile;
  const steps: string[] = [];
  for (let n = 1 + m.int(3); n > 0 && bytes.length > 0; n--) {
    const region = m.random() < 0.85 ? m.pick(headerRegions(bytes)) : { start: 0, end: bytes.length };
    const edit = m.pick(EDITS);
    const file = bytes;
    // Scanning is bounded: a mutated moov size may make the region the whole file.
    const result = edit(m, bytes, region, () => m.boxHeaders(file, region.start, Math.min(region.end, region.start + 64 * 1024)));
    bytes = result.bytes;
    steps.push(result.what);
  }
  return { bytes, description: steps.join('; ') };
}
