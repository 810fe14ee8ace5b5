// The four-character box and sample-entry codes the reader knows, as one constant table (ISO/IEC 14496-12, -14, -15; ETSI TS 102 366).

export const FourCC = {
  // file structure (ISO/IEC 14496-12 §4.2, §8.1–8.3)
  ftyp: 'ftyp',
  moov: 'moov',
  mdat: 'mdat',
  free: 'free',
  skip: 'skip',
  wide: 'wide',
  uuid: 'uuid',
  // movie and track headers (§8.2.2, §8.3.2, §8.4.2, §8.4.3)
  mvhd: 'mvhd',
  trak: 'trak',
  tkhd: 'tkhd',
  edts: 'edts',
  elst: 'elst',
  mdia: 'mdia',
  mdhd: 'mdhd',
  hdlr: 'hdlr',
  minf: 'minf',
  stbl: 'stbl',
  // sample table (§8.5–8.7)
  stsd: 'stsd',
  stts: 'stts',
  ctts: 'ctts',
  stss: 'stss',
  stsc: 'stsc',
  stsz: 'stsz',
  stz2: 'stz2',
  stco: 'stco',
  co64: 'co64',
  // fragmentation (§8.8)
  mvex: 'mvex',
  moof: 'moof',
  mfra: 'mfra',
  trex: 'trex',
  mfhd: 'mfhd',
  traf: 'traf',
  tfhd: 'tfhd',
  tfdt: 'tfdt',
  trun: 'trun',
  sidx: 'sidx',
  // handler types (§8.4.3)
  vide: 'vide',
  soun: 'soun',
  // video sample entries and configs (ISO/IEC 14496-15 §5.4, §8.4)
  avc1: 'avc1',
  avc3: 'avc3',
  avcC: 'avcC',
  hvc1: 'hvc1',
  hev1: 'hev1',
  hvcC: 'hvcC',
  // audio sample entries and configs (ISO/IEC 14496-14 §5.6; ETSI TS 102 366 Annex F)
  mp4a: 'mp4a',
  esds: 'esds',
  wave: 'wave',
  ac3: 'ac-3',
  dac3: 'dac3',
  ec3: 'ec-3',
  dec3: 'dec3',
} as const;

export type FourCCCode = (typeof FourCC)[keyof typeof FourCC];

/** Reads four bytes as a four-CC; non-printable bytes are shown as `\xNN` so error messages stay readable. */
export function fourCCAt(bytes: Uint8Array, offset: number): string {
  let text = '';
  for (let i = offset; i < offset + 4; i++) {
    const byte = bytes[i];
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return text;
}

/** True when the four bytes are printable ASCII, as every registered box type is. */
export function isPrintableFourCC(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + 4; i++) {
    if (bytes[i] < 0x20 || bytes[i] >= 0x7f) return false;
  }
  return true;
}
