// A one-line progress bar on a terminal, redrawn at most every 100 ms; writes nothing when not on a terminal.

export interface ProgressStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const REDRAW_EVERY_MS = 100;
const BAR_WIDTH = 24;

export class ProgressBar {
  private lastDrawMs = 0;
  private drawn = false;

  constructor(private readonly stream: ProgressStream, readonly enabled = stream.isTTY === true) {}

  /** `fraction` in 0..1; `label` says what is happening. Throttled unless `force`. */
  update(fraction: number, label: string, force = false): void {
    if (!this.enabled) return;
    const nowMs = Date.now();
    if (!force && nowMs - this.lastDrawMs < REDRAW_EVERY_MS) return;
    this.lastDrawMs = nowMs;
    const clamped = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(clamped * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}% `;
    const room = Math.max(10, (this.stream.columns || 80) - bar.length - 1);
    const text = label.length > room ? `…${label.slice(label.length - room + 1)}` : label;
    // Carriage return and "erase line" (ECMA-48 EL, CSI K): redraw in place.
    this.stream.write(`\r\x1b[K${bar}${text}`);
    this.drawn = true;
  }

  /** Clears the bar so the next output starts on a clean line. */
  finish(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
