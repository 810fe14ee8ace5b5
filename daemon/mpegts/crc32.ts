// CRC-32/MPEG-2, the checksum that ends every PSI section (ISO/IEC 13818-1 Annex A).

/** Generator polynomial x^32+x^26+x^23+x^22+x^16+x^12+x^11+x^10+x^8+x^7+x^5+x^4+x^2+x+1 (Annex A). */
const POLYNOMIAL = 0x04c11db7;

/** One entry per byte value: the register after shifting that byte through, most significant bit first. */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let reg = byte << 24;
    for (let bit = 0; bit < 8; bit++) {
      reg = reg & 0x80000000 ? (reg << 1) ^ POLYNOMIAL : reg << 1;
    }
    table[byte] = reg >>> 0;
  }
  return table;
}

/** CRC of bytes[start, end): register preset to all ones, no reflection, no final inversion (Annex A). */
export function crc32Mpeg2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ bytes[i]) & 0xff];
  }
  return crc >>> 0;
}
