// Decides where PCRs go: on the PCR PID's PES, plus PCR-only packets wherever 100 ms would pass without one.

import { PCR_MAX_INTERVAL_90K, pcrForDts } from './clock.js';
import type { PesUnit } from './pes-unit.js';

/** What the segment holds after PAT and PMT, in order. */
export type SegmentItem = { readonly kind: 'pes'; readonly unit: PesUnit } | { readonly kind: 'pcr'; readonly pcr90k: number };

/**
 * Gives every PES on `pcrPid` a PCR of its DTS minus the lead, and inserts PCR-only packets so that
 * (a) a PCR precedes the first PES of the segment whatever its PID, (b) consecutive PCRs are at most
 * PCR_MAX_INTERVAL_90K apart, and (c) every PES is preceded by a PCR no later than its DTS minus the
 * lead, and (d) PCRs keep coming up to `endDts90k`, where the next segment is expected to start,
 * so the 100 ms also hold across the boundary at low frame rates. `units` must be in DTS order
 * (layout.ts interleaves them so), which keeps the PCRs monotonic.
 */
export function schedulePcr(units: readonly PesUnit[], pcrPid: number, endDts90k: number): SegmentItem[] {
  const items: SegmentItem[] = [];
  let lastPcr = Number.NaN;
  for (const unit of units) {
    const target = pcrForDts(unit.dts90k);
    if (Number.isNaN(lastPcr)) {
      if (unit.pid !== pcrPid) items.push({ kind: 'pcr', pcr90k: target });
      lastPcr = target;
    }
    while (target - lastPcr > PCR_MAX_INTERVAL_90K) {
      lastPcr += PCR_MAX_INTERVAL_90K;
      items.push({ kind: 'pcr', pcr90k: lastPcr });
    }
    if (unit.pid === pcrPid) {
      unit.pcr90k = Math.max(target, lastPcr);
      lastPcr = unit.pcr90k;
    }
    items.push({ kind: 'pes', unit });
  }
  while (pcrForDts(endDts90k) - lastPcr > PCR_MAX_INTERVAL_90K) {
    lastPcr += PCR_MAX_INTERVAL_90K;
    items.push({ kind: 'pcr', pcr90k: lastPcr });
  }
  return items;
}
