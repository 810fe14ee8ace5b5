// Whether video samples carry CEA-608 captions: ATSC A/53 `GA94` cc_data in SEI user_data_registered_itu_t_t35 messages (pure).
//
// H.264 SEI NAL units (type 6, ITU-T H.264 §7.3.2.3) and HEVC prefix SEI NAL units (type 39, H.265
// §7.3.2.4) hold SEI messages; payload type 4 is user_data_registered_itu_t_t35 (D.1.6). ATSC A/53
// Part 4 §6.2.3 puts captions there: country 0xB5, provider 0x0031, identifier `GA94`, user data
// type 3 (cc_data), then cc_count triplets of which cc_type 0 and 1 are the two CEA-608 fields.

import { seiMessages, unescapeRbsp } from '../mp4/nal-syntax.js';

export type CaptionCodec = 'avc' | 'hevc';

const T35_PAYLOAD_TYPE = 4;
const GA94 = [0xb5, 0x00, 0x31, 0x47, 0x41, 0x39, 0x34, 0x03];

/** cc_data() with at least one valid CEA-608 pair that is not padding. */
function hasCea608Pairs(ccData: Uint8Array): boolean {
  if (ccData.length < 2) return false;
  const ccCount = ccData[0] & 0x1f; // process_em_data_flag, process_cc_data_flag, additional_data_flag, cc_count
  for (let k = 0; k < ccCount; k++) {
    const at = 2 + k * 3; // after the flags byte and em_data
    if (at + 3 > ccData.length) return false;
    const valid = (ccData[at] & 0x04) !== 0;
    const type = ccData[at] & 0x03;
    const nonNull = (ccData[at + 1] & 0x7f) !== 0 || (ccData[at + 2] & 0x7f) !== 0;
    if (valid && type <= 1 && nonNull) return true;
  }
  return false;
}

/** One SEI RBSP: its messages, looking for a GA94 cc_data payload. */
function seiHasCaptions(rbsp: Uint8Array): boolean {
  for (const { type, payload } of seiMessages(rbsp)) {
    if (type === T35_PAYLOAD_TYPE && GA94.every((b, k) => payload[k] === b) && hasCea608Pairs(payload.subarray(GA94.length))) return true;
  }
  return false;
}

/** What the NAL units of a sample say about captions: some carry them, none do, or the bytes given end before the answer. */
export type CaptionScan = 'captions' | 'none' | 'incomplete';

/**
 * Walks the length-prefixed NAL units (the MP4 form) of a sample of `sampleBytes`, of which `head` holds
 * the first bytes (all of them, or fewer): only SEI NAL units are read whole, the others are stepped over
 * by their lengths. 'incomplete' when a length prefix, a NAL header or an SEI lies past `head`; with the
 * whole sample the answer is always 'captions' or 'none'. Encoders put the SEI before the picture's
 * slices, so the first few KiB of a picture usually answer for it without its slice data.
 */
export function scanCea608(head: Uint8Array, sampleBytes: number, nalLengthSize: number, codec: CaptionCodec): CaptionScan {
  const headerBytes = codec === 'avc' ? 1 : 2;
  let at = 0;
  while (at + nalLengthSize <= sampleBytes) {
    if (at + nalLengthSize > head.length) return 'incomplete';
    let length = 0;
    for (let k = 0; k < nalLengthSize; k++) length = length * 256 + head[at + k];
    at += nalLengthSize;
    if (length === 0 || at + length > sampleBytes) return 'none';
    if (at >= head.length) return 'incomplete';
    const isSei = codec === 'avc' ? (head[at] & 0x1f) === 6 : ((head[at] >> 1) & 0x3f) === 39;
    if (isSei) {
      if (at + length > head.length) return 'incomplete';
      if (seiHasCaptions(unescapeRbsp(head.subarray(Math.min(at + headerBytes, at + length), at + length)))) return 'captions';
    }
    at += length;
  }
  return 'none';
}

/** One whole length-prefixed sample → true when an SEI NAL unit in it carries CEA-608 captions. */
export function sampleHasCea608(sample: Uint8Array, nalLengthSize: number, codec: CaptionCodec): boolean {
  return scanCea608(sample, sample.length, nalLengthSize, codec) === 'captions';
}
