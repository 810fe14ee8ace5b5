// An independent reader of the Prometheus text exposition format (version 0.0.4), strict enough to fail on a bad line.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  type?: string;
  help?: string;
  readonly samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Sample names that belong to a histogram or summary family. */
const SUFFIXES = ['_bucket', '_sum', '_count'];

function fail(lineNo: number, line: string, why: string): never {
  throw new Error(`line ${lineNo}: ${why}: ${line}`);
}

/** As Go's strconv.ParseFloat, which the format names: NaN and Inf in any letter case (prom-client writes `Nan`). */
function parseValue(text: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number: ${text}`);
  return Number(text);
}

/** `{a="x",b="y\"z"}` → labels; label values escape backslash, double quote and newline. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq).trim();
    if (eq < 0 || !LABEL_NAME.test(name)) throw new Error(`bad label name at ${i}`);
    if (text[eq + 1] !== '"') throw new Error('label value not quoted');
    let value = '';
    let j = eq + 2;
    for (; text[j] !== '"'; j += 1) {
      if (j >= text.length) throw new Error('unterminated label value');
      if (text[j] === '\\') {
        j += 1;
        const escaped = { n: '\n', '\\': '\\', '"': '"' }[text[j]];
        if (escaped === undefined) throw new Error(`bad escape \\${text[j]}`);
        value += escaped;
      } else value += text[j];
    }
    if (name in labels) throw new Error(`duplicate label ${name}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new Error(`expected , or } at ${i}`);
  }
  return { labels, rest: text.slice(i + 1) };
}

function familyOf(families: Map<string, Family>, sampleName: string): Family | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  const suffix = SUFFIXES.find((s) => sampleName.endsWith(s));
  const base = suffix ? families.get(sampleName.slice(0, -suffix.length)) : undefined;
  return base && (base.type === 'histogram' || base.type === 'summary') ? base : undefined;
}

function parseComment(families: Map<string, Family>, line: string, lineNo: number): void {
  const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
  if (!match) return; // other comments are allowed and ignored
  const [, kind, name, rest] = match;
  if (!METRIC_NAME.test(name)) fail(lineNo, line, 'bad metric name');
  const family = families.get(name) ?? { name, samples: [] };
  families.set(name, family);
  if (kind === 'TYPE') {
    if (!TYPES.has(rest)) fail(lineNo, line, 'unknown type');
    if (family.type || family.samples.length > 0) fail(lineNo, line, 'TYPE after samples or twice');
    family.type = rest;
  } else {
    family.help = rest;
  }
}

function parseSample(families: Map<string, Family>, line: string, lineNo: number, seen: Set<string>): void {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) fail(lineNo, line, 'no metric name');
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  try {
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest));
    const fields = rest.trim().split(/\s+/);
    if (fields.length < 1 || fields.length > 2 || !rest.startsWith(' ')) throw new Error('expected " value [timestamp]"');
    const value = parseValue(fields[0]);
    const family = familyOf(families, name);
    if (!family?.type) throw new Error('sample without a # TYPE line for its family');
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error('duplicate series');
    seen.add(key);
    family.samples.push({ name, labels, value });
  } catch (err) {
    fail(lineNo, line, (err as Error).message);
  }
}

/** Parses a whole exposition; throws naming the first line that breaks the format. */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  text.slice(0, -1).split('\n').forEach((line, i) => {
    if (line === '') return;
    if (line.startsWith('#')) parseComment(families, line, i + 1);
    else parseSample(families, line, i + 1, seen);
  });
  return families;
}

/** The value of one series, or undefined when it is absent. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(families, name);
  const sample = family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return sample?.value;
}

/** Histogram rules: cumulative buckets never decrease, and the +Inf bucket equals _count, per label set. */
export function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of family.samples.filter((x) => x.name.endsWith('_bucket'))) {
    const { le, ...rest } = s.labels;
    if (le === undefined) throw new Error(`${family.name}: bucket without le`);
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, buckets] of groups) {
    const sorted = [...buckets].sort((a, b) => parseValue(a.labels.le) - parseValue(b.labels.le));
    sorted.forEach((b, i) => {
      if (i > 0 && b.value < sorted[i - 1].value) throw new Error(`${family.name}${key}: bucket le=${b.labels.le} decreases`);
    });
    const inf = sorted.at(-1);
    const labels = Object.fromEntries(JSON.parse(key) as [string, string][]);
    const count = family.samples.find((s) => s.name === `${family.name}_count` && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (inf?.labels.le !== '+Inf' || count === undefined || count.value !== inf.value) throw new Error(`${family.name}${key}: +Inf bucket differs from _count`);
  }
}
