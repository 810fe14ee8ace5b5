// Walks the file's top-level boxes with small ranged reads to find the moov (at the start or the end); never reads mdat.

import { mp4Error } from '../errors.js';
import { parseBoxHeader, boxFromBytes, type Box, type BoxHeader } from './boxes.js';
import { readUint32 } from './bytes.js';
import { FourCC, isPrintableFourCC, fourCCAt } from './fourcc.js';
import { BoxBudget, limitError } from './limits.js';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../source-limits.js';
import type { RangeReader } from './types.js';

/** Enough for the longest header: size, type, largesize (ISO/IEC 14496-12 §4.2). */
const HEADER_PROBE_BYTES = 16;
/** Real files have a handful of top-level boxes; a long run of tiny boxes is garbage, not a movie. */
const MAX_TOP_LEVEL_BOXES = 4096;
/** Types a real MP4/QuickTime file can start with; anything else at offset 0 means "not an MP4". */
const FIRST_BOX_TYPES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'uuid', 'pdin', 'sidx', 'moof', 'meta']);

/**
 * Finds the moov box and returns it whole (one read of exactly its size), after checking it against
 * limits.max_moov_bytes; its box walks then count against limits.max_moov_boxes.
 */
export async function readMoovBox(reader: RangeReader, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): Promise<Box> {
  return (await locateMoov(reader, limits)).moov;
}

/** The moov box, and the file offset just past it, where a fragmented file's moof boxes begin. */
export async function locateMoov(reader: RangeReader, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): Promise<{ moov: Box; endOffset: number }> {
  const fileBytes = reader.sizeBytes;
  if (fileBytes === 0) throw mp4Error('MP4_EMPTY', 'the file is empty', { fileBytes });
  let offset = 0;
  for (let boxIndex = 0; offset < fileBytes; boxIndex++) {
    if (boxIndex >= MAX_TOP_LEVEL_BOXES) {
      throw mp4Error('MP4_NO_MOOV', `no moov box among the first ${MAX_TOP_LEVEL_BOXES} top-level boxes`, { offset });
    }
    const remaining = fileBytes - offset;
    if (remaining < 8) break;
    const head = await reader.read(offset, Math.min(HEADER_PROBE_BYTES, remaining));
    checkPlausibleType(head, offset);
    const header = parseTopLevelHeader(head, offset, remaining);
    if (header.type === FourCC.moof) {
      // A fragment's samples are described with the moov's tracks and defaults, so the moov comes first (§8.8.1).
      throw mp4Error('MP4_FRAGMENTED', `a moof box at offset ${offset} comes before any moov; a fragmented file's moov must come first`, { offset });
    }
    if (header.type === FourCC.moov) {
      const moov = await readWholeMoov(reader, { offset, sizeBytes: header.sizeBytes, limits });
      return { moov, endOffset: offset + header.sizeBytes };
    }
    offset += header.sizeBytes;
  }
  throw mp4Error('MP4_NO_MOOV', 'the file has no moov box (not an MP4 movie, or the moov was never written)', {
    fileBytes,
  });
}

export function checkPlausibleType(head: Uint8Array, offset: number): void {
  const type = head.length >= 8 ? fourCCAt(head, 4) : '';
  if (offset === 0 && (head.length < 8 || !FIRST_BOX_TYPES.has(type))) {
    throw mp4Error('MP4_NO_MOOV', `not an MP4 file: it does not start with a box (found '${type}')`, { type });
  }
  if (!isPrintableFourCC(head, 4)) {
    throw mp4Error('MP4_BAD_BOX', `a top-level box at offset ${offset} has an invalid type '${type}'`, { offset, type });
  }
}

/**
 * Reads one top-level header. A box that runs past the end of the file means the file was cut short
 * (e.g. a moov-at-end file whose mdat is incomplete): MP4_TRUNCATED, not a malformed box.
 */
export function parseTopLevelHeader(head: Uint8Array, offset: number, remaining: number): BoxHeader {
  const type = fourCCAt(head, 4);
  const size32 = readUint32(head, 0);
  if (size32 === 1 && head.length < 16) {
    throw mp4Error('MP4_TRUNCATED', `the file ends inside the header of top-level '${type}'`, { offset, type });
  }
  // A size-0 box runs to the end of the file; any other size is checked against the file's end below.
  const spaceBytes = size32 === 0 ? remaining : Number.MAX_SAFE_INTEGER;
  const header = parseBoxHeader(head, 0, spaceBytes, '');
  if (header.sizeBytes > remaining) {
    throw mp4Error('MP4_TRUNCATED', `top-level '${type}' at offset ${offset} runs ${header.sizeBytes - remaining} bytes past the end of the file`, {
      offset,
      type,
      sizeBytes: header.sizeBytes,
      fileBytesLeft: remaining,
    });
  }
  return header;
}

async function readWholeMoov(reader: RangeReader, moov: { offset: number; sizeBytes: number; limits: SourceLimits }): Promise<Box> {
  const { offset, sizeBytes, limits } = moov;
  if (sizeBytes > limits.maxMoovBytes) throw limitError(limits, 'maxMoovBytes', `a moov box of ${sizeBytes} bytes`, { offset, sizeBytes });
  if (offset + sizeBytes > reader.sizeBytes) {
    throw mp4Error('MP4_TRUNCATED', 'the file ends inside the moov box', { offset, sizeBytes, fileBytes: reader.sizeBytes });
  }
  return boxFromBytes(await reader.read(offset, sizeBytes), '', new BoxBudget(limits));
}
