// An fMP4 reader for tests, written apart from daemon/fmp4/: top-level boxes, the init segment's track, a fragment's moof/trun and mdat.

export interface RawBox {
  readonly type: string;
  /** Offset of the box's first byte in the buffer it was read from. */
  readonly start: number;
  readonly size: number;
  /** Payload (after the 8-byte header). */
  readonly body: Buffer;
}

export function readBoxes(buf: Buffer, from = 0, to = buf.length): RawBox[] {
  const boxes: RawBox[] = [];
  let pos = from;
  while (pos + 8 <= to) {
    const size = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (size < 8 || pos + size > to) throw new Error(`bad box ${type} of size ${size} at ${pos}`);
    boxes.push({ type, start: pos, size, body: buf.subarray(pos + 8, pos + size) });
    pos += size;
  }
  if (pos !== to) throw new Error(`${to - pos} trailing bytes after the boxes`);
  return boxes;
}

function child(box: RawBox, type: string, skip = 0): RawBox {
  const found = readBoxes(box.body, skip).find((b) => b.type === type);
  if (!found) throw new Error(`${box.type} has no ${type}`);
  return { ...found, body: box.body.subarray(found.start + 8, found.start + found.size) };
}

function path(boxes: RawBox[], types: string[]): RawBox {
  let current = boxes.find((b) => b.type === types[0]);
  if (!current) throw new Error(`no ${types[0]}`);
  for (const type of types.slice(1)) current = child(current, type);
  return current;
}

export interface InitInfo {
  readonly brands: string[];
  readonly handler: string;
  readonly timescale: number;
  readonly entryType: string;
  /** Child box types of the sample entry (the codec configuration box among them). */
  readonly entryChildren: string[];
  readonly trexTrackId: number;
  readonly tkhdTrackId: number;
}

export function inspectInit(buf: Buffer): InitInfo {
  const top = readBoxes(buf);
  const ftyp = top.find((b) => b.type === 'ftyp');
  if (!ftyp) throw new Error('no ftyp');
  const brands: string[] = [];
  for (let at = 0; at + 4 <= ftyp.body.length; at += 4) if (at !== 4) brands.push(ftyp.body.toString('latin1', at, at + 4));
  const mdia = path(top, ['moov', 'trak', 'mdia']);
  const handler = child(mdia, 'hdlr').body.toString('latin1', 8, 12);
  const timescale = child(mdia, 'mdhd').body.readUInt32BE(12);
  const stsd = child(child(child(mdia, 'minf'), 'stbl'), 'stsd');
  const entry = readBoxes(stsd.body, 8)[0];
  const entryBody = stsd.body.subarray(entry.start + 8, entry.start + entry.size);
  const fieldsBytes = handler === 'vide' ? 78 : 28;
  const entryChildren = readBoxes(entryBody, fieldsBytes).map((b) => b.type);
  const trex = path(top, ['moov', 'mvex', 'trex']);
  const tkhd = path(top, ['moov', 'trak', 'tkhd']);
  return { brands, handler, timescale, entryType: entry.type, entryChildren, trexTrackId: trex.body.readUInt32BE(4), tkhdTrackId: tkhd.body.readUInt32BE(12) };
}

export interface FragmentSample {
  readonly duration: number;
  readonly size: number;
  readonly flags: number;
  readonly compositionOffset: number;
  /** sample_is_non_sync_sample is clear. */
  readonly sync: boolean;
}

export interface FragmentInfo {
  readonly topTypes: string[];
  readonly sequenceNumber: number;
  readonly baseDecodeTime: number;
  readonly samples: FragmentSample[];
  /** Sum of the sample durations: where the next fragment's decode time must start. */
  readonly durationTicks: number;
  /** trun's data_offset lands on the first byte of the mdat payload, and the payload is the samples, exactly. */
  readonly dataOffsetMatchesMdat: boolean;
}

export function inspectFragment(buf: Buffer): FragmentInfo {
  const top = readBoxes(buf);
  const moof = top.find((b) => b.type === 'moof');
  const mdat = top.find((b) => b.type === 'mdat');
  if (!moof || !mdat) throw new Error('a fragment needs moof and mdat');
  const sequenceNumber = path(top, ['moof', 'mfhd']).body.readUInt32BE(4);
  const traf = path(top, ['moof', 'traf']);
  const tfhd = child(traf, 'tfhd').body;
  const tfhdFlags = tfhd.readUInt32BE(0) & 0xffffff;
  if ((tfhdFlags & 0x020000) === 0) throw new Error('tfhd without default-base-is-moof');
  const tfdt = child(traf, 'tfdt').body;
  const baseDecodeTime = tfdt[0] === 1 ? Number(tfdt.readBigUInt64BE(4)) : tfdt.readUInt32BE(4);
  const trun = child(traf, 'trun').body;
  const version = trun[0];
  const flags = trun.readUInt32BE(0) & 0xffffff;
  const count = trun.readUInt32BE(4);
  let at = 8;
  let dataOffset = 0;
  if (flags & 0x1) {
    dataOffset = trun.readInt32BE(at);
    at += 4;
  }
  if (flags & 0x4) at += 4;
  const samples: FragmentSample[] = [];
  for (let i = 0; i < count; i++) {
    const duration = flags & 0x100 ? trun.readUInt32BE((at += 4) - 4) : 0;
    const size = flags & 0x200 ? trun.readUInt32BE((at += 4) - 4) : 0;
    const sampleFlags = flags & 0x400 ? trun.readUInt32BE((at += 4) - 4) : 0;
    const compositionOffset = flags & 0x800 ? (version === 1 ? trun.readInt32BE((at += 4) - 4) : trun.readUInt32BE((at += 4) - 4)) : 0;
    samples.push({ duration, size, flags: sampleFlags, compositionOffset, sync: (sampleFlags & 0x10000) === 0 });
  }
  const dataBytes = samples.reduce((sum, s) => sum + s.size, 0);
  return {
    topTypes: top.map((b) => b.type),
    sequenceNumber,
    baseDecodeTime,
    samples,
    durationTicks: samples.reduce((sum, s) => sum + s.duration, 0),
    dataOffsetMatchesMdat: moof.start + dataOffset === mdat.start + 8 && mdat.size - 8 === dataBytes,
  };
}
