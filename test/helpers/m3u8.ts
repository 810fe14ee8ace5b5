// A small playlist reader for tests: master variants with their attributes, media entries with ranges.

export type Attributes = Record<string, string>;

/** RFC 8216 §4.2 attribute lists: NAME=value pairs, quoted strings may hold commas. */
export function parseAttributes(text: string): Attributes {
  const attributes: Attributes = {};
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    attributes[match[1]] = match[2].startsWith('"') ? match[2].slice(1, -1) : match[2];
  }
  return attributes;
}

export interface MasterEntry {
  readonly attributes: Attributes;
  readonly uri: string;
}

export interface ParsedMaster {
  readonly version: number;
  readonly independentSegments: boolean;
  readonly variants: MasterEntry[];
  readonly iframeStreams: MasterEntry[];
}

export function parseMaster(text: string): ParsedMaster {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines[0] !== '#EXTM3U') throw new Error('not a playlist');
  const variants: MasterEntry[] = [];
  const iframeStreams: MasterEntry[] = [];
  let version = 1;
  lines.forEach((line, i) => {
    if (line.startsWith('#EXT-X-VERSION:')) version = Number(line.slice('#EXT-X-VERSION:'.length));
    if (line.startsWith('#EXT-X-STREAM-INF:')) variants.push({ attributes: parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length)), uri: lines[i + 1] });
    if (line.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) {
      const attributes = parseAttributes(line.slice('#EXT-X-I-FRAME-STREAM-INF:'.length));
      iframeStreams.push({ attributes, uri: attributes.URI });
    }
  });
  return { version, independentSegments: lines.includes('#EXT-X-INDEPENDENT-SEGMENTS'), variants, iframeStreams };
}

export interface MediaEntry {
  readonly durationSec: number;
  readonly uri: string;
  readonly range?: { readonly lengthBytes: number; readonly offsetBytes: number };
}

export interface ParsedMedia {
  readonly version: number;
  readonly tags: string[];
  readonly entries: MediaEntry[];
}

export function parseMedia(text: string): ParsedMedia {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const entries: MediaEntry[] = [];
  let version = 1;
  let duration: number | undefined;
  let range: MediaEntry['range'];
  for (const line of lines) {
    if (line.startsWith('#EXT-X-VERSION:')) version = Number(line.slice('#EXT-X-VERSION:'.length));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line.startsWith('#EXT-X-BYTERANGE:')) {
      const [length, offset] = line.slice('#EXT-X-BYTERANGE:'.length).split('@').map(Number);
      range = { lengthBytes: length, offsetBytes: offset };
    } else if (!line.startsWith('#')) {
      entries.push({ durationSec: duration ?? NaN, uri: line, ...(range ? { range } : {}) });
      duration = undefined;
      range = undefined;
    }
  }
  return { version, tags: lines.filter((l) => l.startsWith('#')).map((l) => l.split(':')[0]), entries };
}

/**
 * RFC 8216 §4.1's peak segment bit rate, written out independently of the daemon's code: the
 * largest bytes-over-seconds of any run of consecutive segments lasting 0.5 to 1.5 target durations.
 */
export function measuredPeakBps(segments: ReadonlyArray<{ bytes: number; durationSec: number }>): number {
  const target = Math.max(...segments.map((s) => Math.floor(Number(s.durationSec.toFixed(3)) + 0.5)));
  let peak = 0;
  for (let i = 0; i < segments.length; i++) {
    let bytes = 0;
    let seconds = 0;
    for (let j = i; j < segments.length && seconds <= 1.5 * target; j++) {
      bytes += segments[j].bytes;
      seconds += segments[j].durationSec;
      if (seconds >= 0.5 * target && seconds <= 1.5 * target) peak = Math.max(peak, (bytes * 8) / seconds);
    }
  }
  return peak;
}

export function measuredAverageBps(segments: ReadonlyArray<{ bytes: number; durationSec: number }>): number {
  const bytes = segments.reduce((sum, s) => sum + s.bytes, 0);
  const seconds = segments.reduce((sum, s) => sum + s.durationSec, 0);
  return (bytes * 8) / seconds;
}
