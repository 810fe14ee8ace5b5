// The static DASH MPD over a rendition's (or a set's) CMAF segments: SegmentTemplate with SegmentTimeline (ISO/IEC 23009-1) (pure).

import { cmafInitName, cmafSegmentTemplate, type CmafTrack } from '../layout/cmaf-files.js';
import type { CmafSegmentFacts } from '../fmp4/track-segments.js';
import { targetDurationSec } from '../plan/playlist.js';
import { textAdaptationSets } from './mpd-text.js';
import type { TextMedia } from './text-media.js';
import { frameRateFraction, renditionEndSec, type CmafRendition, type CmafTrackFacts } from './cmaf-rendition.js';
import { audioAdaptationSets } from './mpd-audio.js';

export const DASH_LIVE_PROFILE = 'urn:mpeg:dash:profile:isoff-live:2011';
/** ISO/IEC 23009-1 §5.8.5.4: the channel count as a plain number (23003-3). */
const CHANNEL_CONFIGURATION_SCHEME = 'urn:mpeg:dash:23003:3:audio_channel_configuration:2011';
/** ISO/IEC 23009-1 §5.8.5.5: the Role scheme whose `main` marks the default audio. */
const ROLE_SCHEME = 'urn:mpeg:dash:role:2011';

export interface MpdOptions {
  readonly renditions: readonly CmafRendition[];
  /** Every segment starts with an IDR picture: startWithSAP="1". */
  readonly independentSegments: boolean;
  /** Subtitle tracks, each an AdaptationSet of its own (mpd-text.ts). */
  readonly text?: TextMedia;
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

/** Where a representation's files are and what they are called: a rendition's own track, or a group's `audio<k>`. */
interface RepresentationSource {
  readonly baseUri: string;
  readonly facts: CmafTrackFacts;
  readonly track: CmafTrack;
}

function representation(source: RepresentationSource, id: string): string[] {
  const { facts } = source;
  const { track } = facts;
  const head: Record<string, string | number | undefined> = { id, bandwidth: facts.bitrates.peakBps, codecs: facts.codecs };
  if (track.kind === 'video') Object.assign(head, { width: track.width, height: track.height, frameRate: frameRateFraction(track) });
  if (track.kind === 'audio') head.audioSamplingRate = track.sampleRate;
  const base = escapeTemplate(source.baseUri);
  const template = {
    timescale: track.timescale,
    // Period time 0 is the movie's time 0 after its edit lists: what an edit trims before it (AAC
    // priming, B-frame delay) falls before the period and players cut it off, as the edit list asks.
    presentationTimeOffset: facts.shiftTicks,
    initialization: base + cmafInitName(source.track),
    media: base + cmafSegmentTemplate(source.track),
    startNumber: facts.segments[0]?.number ?? 1,
  };
  const lines = [`<Representation${attributes(head)}>`];
  if (track.kind === 'audio') lines.push(`  <AudioChannelConfiguration${attributes({ schemeIdUri: CHANNEL_CONFIGURATION_SCHEME, value: track.channelCount })}/>`);
  lines.push(`  <SegmentTemplate${attributes(template)}>`, '    <SegmentTimeline>', ...timeline(facts.segments).map((s) => `      ${s}`), '    </SegmentTimeline>', '  </SegmentTemplate>', '</Representation>');
  return lines;
}

/**
 * One AdaptationSet: `audio` may carry its language (`lang`), the name players show for it (`Label`,
 * ISO/IEC 23009-1 §5.3.3.2, ahead of `Role` as the schema orders them) and, for the default one, `Role`
 * main (§5.8.5.5).
 */
interface SetOptions {
  readonly id: number;
  readonly kind: 'video' | 'audio';
  readonly independentSegments: boolean;
  readonly lang?: string;
  readonly label?: string;
  readonly main?: boolean;
  /** Distinguishes the representation ids of several audio sets. */
  readonly idPrefix?: string;
}

function adaptationSet(sources: readonly RepresentationSource[], options: SetOptions): string[] {
  const { kind } = options;
  const members = [...sources].sort((a, b) => a.facts.bitrates.peakBps - b.facts.bitrates.peakBps);
  if (members.length === 0) return [];
  const set = {
    id: options.id,
    contentType: kind,
    mimeType: kind === 'video' ? 'video/mp4' : 'audio/mp4',
    lang: options.lang,
    startWithSAP: kind === 'audio' || options.independentSegments ? 1 : undefined,
  };
  const lines = [`<AdaptationSet${attributes(set)}>`];
  if (options.label) lines.push(`  <Label>${escapeXml(options.label)}</Label>`);
  if (options.main) lines.push(`  <Role${attributes({ schemeIdUri: ROLE_SCHEME, value: 'main' })}/>`);
  members.forEach((source, k) => lines.push(...representation(source, `${options.idPrefix ?? kind}-${k + 1}`).map((l) => `  ${l}`)));
  lines.push('</AdaptationSet>');
  return lines;
}

/** The audio AdaptationSets: one per language when the renditions offer several (see mpd-audio.ts), else one. */
function audioSets(renditions: readonly CmafRendition[], independentSegments: boolean): string[] {
  const sets = audioAdaptationSets(renditions);
  if (sets.length === 1 && !sets[0].labelled) return adaptationSet(sets[0].sources, { id: 1, kind: 'audio', independentSegments });
  return sets.flatMap((set, k) =>
    adaptationSet(set.sources, { id: k + 1, kind: 'audio', independentSegments, lang: set.lang, label: set.label, main: set.main, idPrefix: `audio${k + 1}` }),
  );
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
  const video = renditions.flatMap((r) => (r.video ? [{ baseUri: r.baseUri, facts: r.video, track: 'video' as const }] : []));
  // Ids: video 0, audio 1…n (one set per language), text after them.
  const textFirstId = 1 + Math.max(1, audioAdaptationSets(renditions).length);
  const body = [
    ...adaptationSet(video, { id: 0, kind: 'video', independentSegments: options.independentSegments }),
    ...audioSets(renditions, options.independentSegments),
    ...textAdaptationSets(options.text?.subtitles ?? [], textFirstId),
  ];
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
