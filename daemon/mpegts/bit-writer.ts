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
   * Appends `value` as a `width`-bit field. Arithmetic rather than bit operators, so a 33-bit
   * timestamp field is as safe as a 1-bit flag (JavaScript bit operators truncate to 32 bits).
   */
  put(width: number, value: number): this {
    for (let i = width - 1; i >= 0; i--) {
      const bit = Math.floor(value / 2 ** i) % 2;
      const byteIndex = this.bitPos >> 3;
      const mask = 0x80 >> (this.bitPos & 7);
      this.bytes[byteIndex] = bit ? this.bytes[byteIndex] | mask : this.bytes[byteIndex] & ~mask;
      this.bitPos++;
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
