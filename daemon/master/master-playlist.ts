// The master playlist text (RFC 8216 §4.3.4): one EXT-X-STREAM-INF per rendition, I-frame streams after them (pure).

import { textMediaLines, textVariantAttributes, type TextMedia } from './text-media.js';
import type { Resolution, VariantFacts } from './variant.js';

export interface MasterVariant {
  /** URI of the rendition's media playlist, as it is written (relative or absolute, already encoded). */
  readonly uri: string;
  /** URI of its I-frame playlist; absent when I-frame playlists are off or the rendition has no video. */
  readonly iframeUri?: string;
  readonly facts: VariantFacts;
  /** GROUP-ID of the EXT-X-MEDIA audio renditions it plays with (see audio-group.ts). */
  readonly audioGroup?: string;
}

export interface MasterPlaylistOptions {
  readonly variants: readonly MasterVariant[];
  /** EXT-X-MEDIA lines, written before the variants that name their groups. */
  readonly mediaLines?: readonly string[];
  /** Every segment of every variant starts with an IDR picture (RFC 8216 §4.3.5.1). */
  readonly independentSegments: boolean;
  /** Subtitle tracks and closed captions (text-media.ts); absent, the master says nothing of text. */
  readonly text?: TextMedia;
}

/** EXT-X-I-FRAME-STREAM-INF needs protocol version 4; without it version 3 is enough (RFC 8216 §7). */
export function masterVersion(variants: readonly MasterVariant[]): number {
  return variants.some((v) => v.iframeUri !== undefined && v.facts.iframe !== undefined) ? 4 : 3;
}

/** Ascending bandwidth, as players and Apple's authoring spec expect; ties by average, then URI, so the order is stable. */
export function sortVariants<T extends MasterVariant>(variants: readonly T[]): T[] {
  return [...variants].sort(
    (a, b) =>
      a.facts.bandwidthBps - b.facts.bandwidthBps ||
      a.facts.averageBandwidthBps - b.facts.averageBandwidthBps ||
      (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0),
  );
}

/** FRAME-RATE is a decimal-floating-point with 3 decimals (Apple HLS authoring spec). */
export function formatFrameRate(frameRate: number): string {
  return frameRate.toFixed(3);
}

function resolutionText(resolution: Resolution): string {
  return `${resolution.width}x${resolution.height}`;
}

function streamInf(facts: VariantFacts, audioGroup?: string, textAttributes: readonly string[] = []): string {
  const attributes = [`BANDWIDTH=${facts.bandwidthBps}`, `AVERAGE-BANDWIDTH=${facts.averageBandwidthBps}`, `CODECS="${facts.codecs}"`];
  if (facts.resolution) attributes.push(`RESOLUTION=${resolutionText(facts.resolution)}`);
  if (facts.frameRate) attributes.push(`FRAME-RATE=${formatFrameRate(facts.frameRate)}`);
  if (audioGroup) attributes.push(`AUDIO="${audioGroup}"`);
  attributes.push(...textAttributes);
  return `#EXT-X-STREAM-INF:${attributes.join(',')}`;
}

function iframeStreamInf(variant: MasterVariant): string | undefined {
  const iframe = variant.facts.iframe;
  if (!iframe || variant.iframeUri === undefined) return undefined;
  const attributes = [
    `BANDWIDTH=${iframe.bandwidthBps}`,
    `AVERAGE-BANDWIDTH=${iframe.averageBandwidthBps}`,
    `CODECS="${iframe.codecs}"`,
    `RESOLUTION=${resolutionText(iframe.resolution)}`,
    `URI="${variant.iframeUri}"`,
  ];
  return `#EXT-X-I-FRAME-STREAM-INF:${attributes.join(',')}`;
}

export function renderMasterPlaylist(options: MasterPlaylistOptions): string {
  const variants = sortVariants(options.variants);
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${masterVersion(variants)}`];
  if (options.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  lines.push(...textMediaLines(options.text));
  lines.push(...(options.mediaLines ?? []));
  for (const variant of variants) lines.push(streamInf(variant.facts, variant.audioGroup, textVariantAttributes(options.text, variant.uri)), variant.uri);
  const iframes = variants.filter((v) => v.facts.iframe).sort((a, b) => (a.facts.iframe?.bandwidthBps ?? 0) - (b.facts.iframe?.bandwidthBps ?? 0));
  for (const variant of iframes) {
    const line = iframeStreamInf(variant);
    if (line) lines.push(line);
  }
  lines.push('');
  return lines.join('\n');
}
