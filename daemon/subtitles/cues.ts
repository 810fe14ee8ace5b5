// A subtitle cue in milliseconds on the rendition's presentation timeline, and WebVTT's timestamp text (pure).

export interface Cue {
  readonly startMs: number;
  readonly endMs: number;
  /** The cue's payload as WebVTT cue text (markup such as `<i>` kept, `&`, `<`, `>` escaped otherwise). */
  readonly text: string;
  /** The WebVTT cue identifier, when the source has one. */
  readonly id?: string;
  /** WebVTT cue settings (`line:0 align:start`), when the source has them. */
  readonly settings?: string;
}

/** WebVTT timestamp `hh:mm:ss.ttt` (W3C WebVTT §4.2: hours may run past two digits). */
export function formatVttTimestamp(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}`;
}

/**
 * `hh:mm:ss.ttt` or `mm:ss.ttt` (WebVTT), and `hh:mm:ss,ttt` (SRT) when `comma` is set → milliseconds,
 * or undefined when the text is not a timestamp.
 */
export function parseTimestampMs(text: string, comma = false): number | undefined {
  const match = (comma ? /^(?:(\d+):)?(\d{2}):(\d{2})[,.](\d{3})$/ : /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/).exec(text);
  if (!match) return undefined;
  const [hours, minutes, seconds, millis] = [Number(match[1] ?? 0), Number(match[2]), Number(match[3]), Number(match[4])];
  if (minutes > 59 || seconds > 59) return undefined;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

/** Text that is not WebVTT markup: `&`, `<` and `>` escaped (WebVTT §4.2.2 cue text). */
export function escapeCueText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Blank lines would end the cue block, and `-->` may not appear in cue text (WebVTT §4.1). */
export function safeCuePayload(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .join('\n')
    .replace(/-->/g, '--&gt;');
}

/** One cue block of a WebVTT file. */
export function renderCue(cue: Cue): string {
  const timing = `${formatVttTimestamp(cue.startMs)} --> ${formatVttTimestamp(cue.endMs)}${cue.settings ? ` ${cue.settings}` : ''}`;
  return [...(cue.id ? [cue.id] : []), timing, cue.text].join('\n');
}

/** Sorted by start, then end: the order WebVTT asks cues to be in (§4.1). */
export function sortCues(cues: readonly Cue[]): Cue[] {
  return [...cues].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
}
