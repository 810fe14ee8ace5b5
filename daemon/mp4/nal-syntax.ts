// The syntax inside H.264/HEVC NAL units that more than one reader needs: RBSP unescaping and SEI messages (pure).

/** A NAL unit's payload without its emulation prevention bytes (00 00 03 → 00 00, H.264 §7.4.1, H.265 §7.4.2). */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let length = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    zeros = byte === 0 ? zeros + 1 : 0;
    out[length++] = byte;
  }
  return out.subarray(0, length);
}

export interface SeiMessage {
  /** payloadType (H.264 §7.3.2.3.1, H.265 §7.3.5). */
  readonly type: number;
  /** The payload's bytes, cut short where the RBSP ends before payloadSize says. */
  readonly payload: Uint8Array;
}

/**
 * The SEI messages of an SEI RBSP (after the NAL header), in order, up to the rbsp_trailing_bits
 * (0x80) or the end of the bytes. payloadType and payloadSize are each a run of 0xFF bytes plus one
 * last byte; a message whose type or size runs past the bytes ends the walk.
 */
export function* seiMessages(rbsp: Uint8Array): Generator<SeiMessage> {
  let pos = 0;
  const readCoded = (): number | undefined => {
    let value = 0;
    while (pos < rbsp.length && rbsp[pos] === 0xff) value += rbsp[pos++];
    return pos < rbsp.length ? value + rbsp[pos++] : undefined;
  };
  while (pos < rbsp.length && rbsp[pos] !== 0x80) {
    const type = readCoded();
    const size = readCoded();
    if (type === undefined || size === undefined) return;
    yield { type, payload: rbsp.subarray(pos, pos + size) };
    pos += size;
  }
}
