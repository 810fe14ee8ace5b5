// Akamai's `?b=` bit rate filter on master playlists: a list of kbps values and ranges (pure).

import { CasterpakError } from '../errors.js';

/** One term of the filter: `700` (the rendition nearest to 700 kbps), `300-800`, `300-` or `0-800` (inclusive). */
export type BitrateTerm = { readonly kind: 'value'; readonly kbps: number } | { readonly kind: 'range'; readonly lowKbps: number; readonly highKbps: number };

const TERM = /^(\d{1,9})(?:(-)(\d{1,9})?)?$/;
/** A filter longer than this is not a bit rate list. */
const MAX_TERMS = 64;

function badFilter(value: string, reason: string): CasterpakError {
  return new CasterpakError('BAD_QUERY', `b=${value}: ${reason}`, { b: value });
}

/** Parses the value of `b`, e.g. `300-800,1500` or `1200-`; throws BAD_QUERY (400) for anything else. */
export function parseBitrateFilter(value: string): BitrateTerm[] {
  const pieces = value.split(',');
  if (pieces.length > MAX_TERMS) throw badFilter(value, `more than ${MAX_TERMS} terms`);
  return pieces.map((piece): BitrateTerm => {
    const match = TERM.exec(piece.trim());
    if (!match) throw badFilter(value, `"${piece}" is not a kbps value or range (like 700, 300-800 or 300-)`);
    const low = Number(match[1]);
    if (!match[2]) return { kind: 'value', kbps: low };
    const high = match[3] === undefined ? Infinity : Number(match[3]);
    if (high < low) throw badFilter(value, `range "${piece}" ends below its start`);
    return { kind: 'range', lowKbps: low, highKbps: high };
  });
}

/**
 * The indexes of the renditions the filter keeps, given each rendition's bit rate in bits per second.
 * A range keeps every rendition inside it; a single value keeps the one rendition nearest to it
 * (renditions are rarely exactly at their nominal rate; on a tie the lower one), so `b=1500` still
 * finds the rendition encoded at 1500 kbps that measures 1493.
 */
export function applyBitrateFilter(terms: readonly BitrateTerm[], ratesBps: readonly number[]): number[] {
  const kept = new Set<number>();
  for (const term of terms) {
    if (term.kind === 'range') {
      ratesBps.forEach((bps, index) => {
        const kbps = Math.round(bps / 1000);
        if (kbps >= term.lowKbps && kbps <= term.highKbps) kept.add(index);
      });
      continue;
    }
    let best = -1;
    ratesBps.forEach((bps, index) => {
      const distance = Math.abs(bps / 1000 - term.kbps);
      const bestDistance = best < 0 ? Infinity : Math.abs(ratesBps[best] / 1000 - term.kbps);
      if (distance < bestDistance || (distance === bestDistance && bps < ratesBps[best])) best = index;
    });
    if (best >= 0) kept.add(best);
  }
  return [...kept].sort((a, b) => a - b);
}
