// The in-memory box walker: box headers (32-bit, 64-bit largesize, size 0), children, lookups (ISO/IEC 14496-12 §4.2).

import { mp4Error } from '../errors.js';
import { readUint32, readUint64 } from './bytes.js';
import { FourCC, fourCCAt } from './fourcc.js';
import type { BoxBudget } from './limits.js';

/** size (32) + type (32). */
const COMPACT_HEADER_BYTES = 8;
/** size = 1, type, then largesize (64). */
const LARGE_HEADER_BYTES = 16;
/** A `uuid` box carries a 16-byte extended type after its header. */
const USER_TYPE_BYTES = 16;
/** size field value meaning "a 64-bit largesize follows". */
const SIZE_LARGE = 1;
/** size field value meaning "the box extends to the end of its container (the file, at top level)". */
const SIZE_TO_END = 0;

export interface Box {
  readonly type: string;
  /** Slash-joined path from the file's top level, for error messages (e.g. `moov/trak/mdia`). */
  readonly path: string;
  /** The bytes after the header (and after the uuid extended type). A view, not a copy. */
  readonly payload: Uint8Array;
  /** Counts every header walked below this box (limits.max_moov_boxes); absent means unbounded. */
  readonly budget?: BoxBudget;
}

export interface BoxHeader {
  readonly type: string;
  readonly headerBytes: number;
  /** Whole box, header included. */
  readonly sizeBytes: number;
}

/**
 * Reads a box header at `offset` of `bytes`. `spaceBytes` is how much of the container remains from
 * `offset` (a size-0 box takes all of it); `bytes` needs to hold only the header itself.
 */
export function parseBoxHeader(bytes: Uint8Array, offset: number, spaceBytes: number, parentPath: string): BoxHeader {
  const where = parentPath || 'file';
  if (spaceBytes < COMPACT_HEADER_BYTES || offset + COMPACT_HEADER_BYTES > bytes.length) {
    throw mp4Error('MP4_BAD_BOX', `${where}: a box header runs past its container`, { where, offset, spaceBytes });
  }
  const size32 = readUint32(bytes, offset);
  const type = fourCCAt(bytes, offset + 4);
  let headerBytes = COMPACT_HEADER_BYTES;
  let sizeBytes = size32;
  if (size32 === SIZE_LARGE) {
    if (spaceBytes < LARGE_HEADER_BYTES || offset + LARGE_HEADER_BYTES > bytes.length) {
      throw mp4Error('MP4_BAD_BOX', `${where}/${type}: largesize runs past its container`, { where, type, offset });
    }
    headerBytes = LARGE_HEADER_BYTES;
    sizeBytes = readUint64(bytes, offset + 8, `${where}/${type}`);
  } else if (size32 === SIZE_TO_END) {
    sizeBytes = spaceBytes;
  }
  if (type === FourCC.uuid) headerBytes += USER_TYPE_BYTES;
  if (sizeBytes < headerBytes) {
    throw mp4Error('MP4_BAD_BOX', `${where}/${type}: box size ${sizeBytes} is smaller than its header`, {
      where,
      type,
      offset,
      sizeBytes,
    });
  }
  if (sizeBytes > spaceBytes) {
    throw mp4Error('MP4_BAD_BOX', `${where}/${type}: box size ${sizeBytes} runs past its parent (${spaceBytes} bytes left)`, {
      where,
      type,
      offset,
      sizeBytes,
      spaceBytes,
    });
  }
  return { type, headerBytes, sizeBytes };
}

/** Builds a Box from a buffer that holds exactly one whole box (e.g. the moov read from the file). */
export function boxFromBytes(bytes: Uint8Array, parentPath = '', budget?: BoxBudget): Box {
  const header = parseBoxHeader(bytes, 0, bytes.length, parentPath);
  return {
    type: header.type,
    path: parentPath ? `${parentPath}/${header.type}` : header.type,
    payload: bytes.subarray(header.headerBytes, header.sizeBytes),
    budget,
  };
}

/**
 * The child boxes of `parent`, starting `skipBytes` into its payload (sample entries and full boxes
 * have fields before their children). Fewer than 8 trailing bytes are ignored: QuickTime writers end
 * some containers with a 32-bit zero terminator.
 */
export function childBoxes(parent: Box, skipBytes = 0): Box[] {
  const bytes = parent.payload;
  const boxes: Box[] = [];
  let offset = skipBytes;
  while (bytes.length - offset >= COMPACT_HEADER_BYTES) {
    // Spent before the header is read, so a moov of millions of tiny boxes stops here, not after the walk.
    parent.budget?.spend(parent.path);
    const header = parseBoxHeader(bytes, offset, bytes.length - offset, parent.path);
    boxes.push({
      type: header.type,
      path: `${parent.path}/${header.type}`,
      payload: bytes.subarray(offset + header.headerBytes, offset + header.sizeBytes),
      budget: parent.budget,
    });
    offset += header.sizeBytes;
  }
  return boxes;
}

export function findChild(parent: Box, type: string, skipBytes = 0): Box | undefined {
  return childBoxes(parent, skipBytes).find((box) => box.type === type);
}

export function findChildren(parent: Box, type: string): Box[] {
  return childBoxes(parent).filter((box) => box.type === type);
}

/** A child the spec makes mandatory; its absence is a malformed file. */
export function requireChild(parent: Box, type: string): Box {
  const box = findChild(parent, type);
  if (!box) {
    throw mp4Error('MP4_BAD_BOX', `${parent.path}: required box '${type}' is missing`, { where: parent.path, type });
  }
  return box;
}
