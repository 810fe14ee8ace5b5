// Writes fields of any width up to 53 bits, most significant bit first, as the syntax tables of the specs list them.

export class BitWriter {
  private readonly bytes: Uint8Array;
  private bitPos: number;

  /** Writes into `bytes` starting at byte `offset`; the bytes it touches are overwritten, not OR-ed. */
  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.bitPos = offset * 8;
  }

  /**
   * Appends `value` as a `width`-bit field. Fields wider than 24 bits are split with arithmetic,
   * not bit operators, so a 33-bit timestamp is as safe as a flag (JavaScript bit operators
   * truncate to 32 bits); narrower values are written a byte-sized run of bits at a time.
   */
  put(width: number, value: number): this {
    if (width > 24) {
      this.put(width - 24, Math.floor(value / 2 ** 24));
      return this.put(24, value % 2 ** 24);
    }
    let remaining = width;
    while (remaining > 0) {
      const used = this.bitPos & 7;
      const take = Math.min(8 - used, remaining);
      const shift = 8 - used - take;
      const mask = ((1 << take) - 1) << shift;
      const bits = ((value >>> (remaining - take)) << shift) & mask;
      const byteIndex = this.bitPos >> 3;
      this.bytes[byteIndex] = (this.bytes[byteIndex] & ~mask) | bits;
      this.bitPos += take;
      remaining -= take;
    }
    return this;
  }

  /** Copies whole bytes; the writer must be byte-aligned. */
  putBytes(src: Uint8Array): this {
    this.bytes.set(src, this.byteOffset());
    this.bitPos += src.length * 8;
    return this;
  }

  /** The byte position reached; throws if a field left the writer in the middle of a byte. */
  byteOffset(): number {
    if (this.bitPos & 7) throw new Error(`BitWriter is not byte-aligned (bit ${this.bitPos})`);
    return this.bitPos >> 3;
  }
}
