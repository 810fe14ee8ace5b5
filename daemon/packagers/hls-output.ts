// Reads the media playlist an external packager wrote: segment URIs and EXTINF durations, in order.

import { CasterpakError } from '../errors.js';

export interface ToolSegment {
  readonly uri: string;
  readonly durationSec: number;
}

export function parseToolPlaylist(text: string, tool: string): ToolSegment[] {
  const segments: ToolSegment[] = [];
  let pendingDuration: number | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('#EXTINF:')) {
      pendingDuration = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line !== '' && !line.startsWith('#')) {
      if (pendingDuration === undefined || !Number.isFinite(pendingDuration)) {
        throw new CasterpakError('PACKAGER_FAILED', `${tool} wrote a playlist entry without a duration`, { line });
      }
      segments.push({ uri: line, durationSec: pendingDuration });
      pendingDuration = undefined;
    }
  }
  return segments;
}

/**
 * Refuses empty and zero-duration output: a whole-rendition tool that "succeeds" with nothing
 * (Bento4 does for several broken inputs) must not be cached as a valid package.
 */
export function checkToolSegments(segments: readonly ToolSegment[], tool: string): void {
  if (segments.length === 0) {
    throw new CasterpakError('PACKAGER_FAILED', `${tool} produced no segments`, {});
  }
  const empty = segments.findIndex((s) => !(s.durationSec > 0));
  if (empty >= 0) {
    throw new CasterpakError('PACKAGER_FAILED', `${tool} produced a zero-duration segment (#${empty + 1})`, { segments: segments.length });
  }
}
