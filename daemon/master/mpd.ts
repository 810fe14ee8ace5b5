// The static DASH MPD over a rendition's (or a set's) CMAF segments: SegmentTemplate with SegmentTimeline (ISO/IEC 23009-1) (pure).

import { cmafInitName, cmafSegmentTemplate, type CmafTrack } from '../layout/cmaf-files.js';
import type { CmafSegmentFacts } from '../fmp4/track-segments.js';
import { targetDurationSec } from '../plan/playlist.js';
import { frameRateFraction, renditionEndSec, type CmafRendition, type CmafTrackFacts } from './cmaf-rendition.js';

export const DASH_LIVE_PROFILE = 'urn:mpeg:dash:profile:isoff-live:2011';
/** ISO/IEC 23009-1 §5.8.5.4: the channel count as a plain number (23003-3). */
const CHANNEL_CONFIGURATION_SCHEME = 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011';

export interface MpdOptions {
  readonly renditions: readonly CmafRendition[];
  /** Every segment starts with an IDR picture: startWithSAP="1". */
  readonly independentSegments: boolean;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A template's `$` is an identifier delimiter; a literal one is written `$$` (§5.3.9.4.4). */
function escapeTemplate(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

/** xs:duration with millisecond precision. */
export function isoDuration(seconds: number): string {
  return `PT${(Math.round(seconds * 1000) / 1000).toFixed(3)}S`;
}

function attributes(pairs: Record<string, string | number | undefined>): string {
  return Object.entries(pairs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

/** `S` elements: runs of equal durations that follow each other without a gap become one `r` repeat. */
function timeline(segments: readonly CmafSegmentFacts[]): string[] {
  const lines: string[] = [];
  let k = 0;
  while (k < segments.length) {
    const first = segments[k];
    let repeat = 0;
    while (k + repeat + 1 < segments.length && segments[k + repeat + 1].durationTicks === first.durationTicks) repeat++;
    lines.push(`<S${attributes({ t: first.startTicks, d: first.durationTicks, r: repeat > 0 ? repeat : undefined })}/>`);
    k += repeat + 1;
  }
  return lines;
}

function representation(rendition: CmafRendition, facts: CmafTrackFacts, id: string): string[] {
  const { track } = facts;
  const head: Record<string, string | number | undefined> = { id, bandwidth: facts.bitrates.peakBps, codecs: facts.codecs };
  if (track.kind === 'video') Object.assign(head, { width: track.width, height: track.height, frameRate: frameRateFraction(track) });
  if (track.kind === 'audio') head.audioSamplingRate = track.sampleRate;
  const base = escapeTemplate(rendition.baseUri);
  const template = {
    timescale: track.timescale,
    // Period time 0 is the movie's time 0 after its edit lists: what an edit trims before it (AAC
    // priming, B-frame delay) falls before the period and players cut it off, as the edit list asks.
    presentationTimeOffset: facts.shiftTicks,
    initialization: base + cmafInitName(facts.kind),
    media: base + cmafSegmentTemplate(facts.kind),
    startNumber: facts.segments[0]?.number ?? 1,
  };
  const lines = [`<Representation${attributes(head)}>`];
  if (track.kind === 'audio') lines.push(`  <AudioChannelConfiguration${attributes({ schemeIdUri: CHANNEL_CONFIGURATION_SCHEME, value: track.channelCount })}/>`);
  lines.push(`  <SegmentTemplate${attributes(template)}>`, '    <SegmentTimeline>', ...timeline(facts.segments).map((s) => `      ${s}`), '    </SegmentTimeline>', '  </SegmentTemplate>', '</Representation>');
  return lines;
}

function adaptationSet(kind: 'video' | 'audio', renditions: readonly CmafRendition[], options: MpdOptions, id: number): string[] {
  const members = renditions
    .map((rendition) => ({ rendition, facts: rendition[kind] }))
    .filter((m): m is { rendition: CmafRendition; facts: CmafTrackFacts } => m.facts !== undefined)
    .sort((a, b) => a.facts.bitrates.peakBps - b.facts.bitrates.peakBps);
  if (members.length === 0) return [];
  const set = {
    id,
    contentType: kind,
    mimeType: kind === 'video' ? 'video/mp4' : 'audio/mp4',
    startWithSAP: kind === 'audio' || options.independentSegments ? 1 : undefined,
  };
  const lines = [`<AdaptationSet${attributes(set)}>`];
  members.forEach(({ rendition, facts }, k) => lines.push(...representation(rendition, facts, `${kind}-${k + 1}`).map((l) => `  ${l}`)));
  lines.push('</AdaptationSet>');
  return lines;
}

/**
 * minBufferTime: twice the longest segment (rounded as TARGETDURATION is). With each
 * representation's bandwidth the RFC 8216 peak over windows of 0.5 to 1.5 target durations, a
 * client that buffered this long before playing can keep up at that rate.
 */
function minBufferSec(renditions: readonly CmafRendition[]): number {
  return 2 * Math.max(...renditions.map((r) => targetDurationSec(r.plan.segments.map((s) => s.durationSec))));
}

export function renderMpd(options: MpdOptions): string {
  const { renditions } = options;
  const durationSec = Math.max(...renditions.map(renditionEndSec));
  const mpd = {
    xmlns: 'urn:mpeg:dash:schema:mpd:2011',
    profiles: DASH_LIVE_PROFILE,
    type: 'static',
    mediaPresentationDuration: isoDuration(durationSec),
    minBufferTime: isoDuration(minBufferSec(renditions)),
  };
  const body = [...adaptationSet('video', renditions, options, 0), ...adaptationSet('audio', renditions, options, 1)];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD${attributes(mpd)}>`,
    `  <Period${attributes({ id: '1', start: 'PT0S' })}>`,
    ...body.map((line) => `    ${line}`),
    '  </Period>',
    '</MPD>',
    '',
  ].join('\n');
}
