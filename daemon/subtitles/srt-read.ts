// A SubRip (.srt) file's text → WebVTT cues, refusing a broken cue with the line it is on (pure).
//
// SRT blocks: a counter line, a timing line `00:00:01,000 --> 00:00:02,500`, then the text. SRT's
// `<i>`, `<b>`, `<u>` are WebVTT markup too and are kept; other tags (`<font …>`) are dropped and any
// other `&`, `<`, `>` escaped, so the text is valid WebVTT cue text.

import { CasterpakError } from '../errors.js';
import { escapeCueText, safeCuePayload, sortCues, type Cue } from './cues.js';
import { parseTiming, textBlocks } from './webvtt-read.js';

const KEPT_TAG = /^<\/?[ibu]>$/i;

/** SRT text → WebVTT cue text. */
export function srtTextToVtt(text: string): string {
  return text
    .split(/(<[^<>]*>)/)
    .map((part) => {
      if (!part.startsWith('<') || !part.endsWith('>')) return escapeCueText(part);
      return KEPT_TAG.test(part) ? part.toLowerCase() : '';
    })
    .join('');
}

export function parseSrt(text: string, what: string): Cue[] {
  const cues: Cue[] = [];
  for (const block of textBlocks(text)) {
    const lines = [...block.lines];
    let timingLineNo = block.lineNo;
    // The counter is optional in practice (some tools leave it out); a timing line is not.
    if (!lines[0].includes('-->')) {
      lines.shift();
      timingLineNo += 1;
    }
    const timingLine = lines.shift();
    if (timingLine === undefined || !timingLine.includes('-->')) {
      throw new CasterpakError('SUBTITLE_INVALID', `${what}: line ${block.lineNo}: a block without a cue timing line`, { line: block.lineNo });
    }
    const timing = parseTiming(timingLine, { what, lineNo: timingLineNo, comma: true });
    const payload = safeCuePayload(srtTextToVtt(lines.join('\n')));
    if (payload !== '') cues.push({ startMs: timing.startMs, endMs: timing.endMs, text: payload });
  }
  if (cues.length === 0) throw new CasterpakError('SUBTITLE_INVALID', `${what}: no cue`, {});
  return sortCues(cues);
}
