// The benchmark's one output: rows of figures, measured side by side, printed as a Markdown table.

export interface BenchRow {
  figure: string;
  /** CasterPak's figure, with its unit. */
  casterpak: string;
  /** What it is measured against, with its unit. */
  reference: string;
  /** casterpak ÷ reference (or the figure that the target is about), already formatted. */
  ratio: string;
  target: string;
  /** Whether the target was met; undefined when the row has no target. */
  met?: boolean;
}

export interface BenchModule {
  name: string;
  run(): Promise<BenchRow[]>;
}

function cell(text: string, width: number): string {
  return text.padEnd(width);
}

export function formatTable(rows: BenchRow[]): string {
  const header = ['Figure', 'CasterPak', 'Reference', 'Ratio', 'Target', 'Met'];
  const body = rows.map((r) => [r.figure, r.casterpak, r.reference, r.ratio, r.target, r.met === undefined ? '' : r.met ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => cell(c, widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
