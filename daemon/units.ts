// Human units in the config: durations like `90s`, `15m`, `72h`, `3d`; sizes like `500MB`, `50GiB`.

const DURATION_UNITS_SEC: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

const SIZE_UNITS_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Parses `90s`, `1.5h`, `3d`, or a bare number of seconds; returns seconds, or undefined if malformed. */
export function parseDurationSec(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNITS_SEC[(match[2] ?? 's').toLowerCase()];
}

/** Parses `500MB`, `50GiB`, `1.5 TB`, or a bare number of bytes; returns bytes, or undefined if malformed. */
export function parseSizeBytes(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.floor(text) : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?\s*$/i.exec(text);
  if (!match) return undefined;
  return Math.floor(Number(match[1]) * SIZE_UNITS_BYTES[(match[2] ?? 'b').toLowerCase()]);
}

/** `1.2 GiB`-style text for operators. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `42 s`, `3 min`, `5 h`, `2 d`: a coarse age or duration for operators. */
export function formatAgeSec(sec: number): string {
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 90 * 60) return `${Math.round(sec / 60)} min`;
  if (sec < 36 * 3600) return `${Math.round(sec / 3600)} h`;
  return `${Math.round(sec / 86_400)} d`;
}
