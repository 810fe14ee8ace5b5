// A sample entry's codec configuration box, kept as stored for fragmented MP4 init segments (pure).

import type { Box } from './boxes.js';
import type { CodecConfigBox } from './types.js';

/** Copied, so the parsed track does not keep the whole moov buffer alive. */
export function configBoxOf(entry: Box, config: Box): CodecConfigBox {
  return { entryType: entry.type, type: config.type, payload: config.payload.slice() };
}
