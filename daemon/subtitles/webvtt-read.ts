// A WebVTT file's text → its cues, refusing a file that is not WebVTT or has a broken cue, with the line it is on (pure).
//
// W3C WebVTT §4.1: a `WEBVTT` signature line, a header, then blocks separated by blank lines. A cue
// block is an optional identifier line, a timing line `start --> end [settings]`, and the payload.
// NOTE, STYLE and REGION blocks carry nothing a segment needs and are left out.

import { CasterpakError } from '../errors.js';
import { parseTimestampMs, safeCuePayload, sortCues, type Cue } from './cues.js';

interface Block {
  readonly lines: string[];
  /** 1-based line number of the block's first line, for the error message. */
  readonly lineNo: number;
}

/** Lines grouped into blocks at blank lines. */
export function textBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | undefined;
  text.replace(/\r\n?/g, '\n').split('\n').forEach((line, k) => {
    if (line.trim() === '') {
      current = undefined;
      return;
    }
    if (!current) {
      current = { lines: [], lineNo: k + 1 };
      blocks.push(current);
    }
    current.lines.push(line);
  });
  return blocks;
}

function broken(what: string, lineNo: number, why: string): CasterpakError {
  return new CasterpakError('SUBTITLE_INVALID', `${what}: line ${lineNo}: ${why}`, { line: lineNo });
}

/** `start --> end settings` → its parts, or an error naming what is wrong. */
export function parseTiming(line: string, options: { what: string; lineNo: number; comma: boolean }): { startMs: number; endMs: number; settings: string } {
  const match = /^\s*(\S+)\s+-->\s+(\S+)\s*(.*)$/.exec(line);
  if (!match) throw broken(options.what, options.lineNo, `not a cue timing line: '${line}'`);
  const startMs = parseTimestampMs(match[1], options.comma);
  const endMs = parseTimestampMs(match[2], options.comma);
  if (startMs === undefined) throw broken(options.what, options.lineNo, `not a timestamp: '${match[1]}'`);
  if (endMs === undefined) throw broken(options.what, options.lineNo, `not a timestamp: '${match[2]}'`);
  if (endMs <= startMs) throw broken(options.what, options.lineNo, `the cue ends (${match[2]}) before it starts (${match[1]})`);
  return { startMs, endMs, settings: match[3].trim() };
}

function cueOfBlock(block: Block, what: string): Cue | undefined {
  const [first, ...rest] = block.lines;
  if (/^(NOTE|STYLE|REGION)(\s|$)/.test(first)) return undefined;
  const hasId = !first.includes('-->');
  const timingLine = hasId ? rest.shift() : first;
  if (timingLine === undefined || !timingLine.includes('-->')) throw broken(what, block.lineNo, 'a block without a cue timing line');
  const timing = parseTiming(timingLine, { what, lineNo: block.lineNo + (hasId ? 1 : 0), comma: false });
  const text = safeCuePayload(rest.join('\n'));
  return {
    startMs: timing.startMs,
    endMs: timing.endMs,
    text,
    ...(hasId ? { id: first.trim() } : {}),
    ...(timing.settings ? { settings: timing.settings } : {}),
  };
}

export function parseWebVtt(text: string, what: string): Cue[] {
  const blocks = textBlocks(text);
  const signature = blocks[0]?.lines[0] ?? '';
  if (!/^WEBVTT([ \t].*)?$/.test(signature) || blocks[0].lineNo !== 1) throw broken(what, 1, "a WebVTT file starts with the line 'WEBVTT'");
  const cues: Cue[] = [];
  for (const block of blocks.slice(1)) {
    const cue = cueOfBlock(block, what);
    if (cue) cues.push(cue);
  }
  return sortCues(cues);
}
