// The bytes of a rendition's subtitle files (WebVTT playlist, segments, whole file), and what a master says of its text.

import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { subtitleBaseUri, subtitlePlaylistName, subtitleSegmentName, subtitleWholeName, type SubtitleFile } from '../layout/subtitle-files.js';
import type { RenditionUriOptions } from '../layout/uris.js';
import type { SubtitleRendition, TextMedia } from '../master/text-media.js';
import { isCmafPackager, type CmafPackager, type Packager } from '../packagers/packager.js';
import type { OpenSource } from '../source/open-source.js';
import { cuesOfSegment, renderSubtitlePlaylist, renderVttFile, renderVttSegment, spansOf } from '../subtitles/segment-vtt.js';
import type { RenditionText, SubtitleCatalog } from './subtitle-catalog.js';

/**
 * Subtitle segments are cut at the builtin planner's instants and timed with its timeline shift, so
 * they are made only with the builtin packager (ffmpeg and mp42hls cut and time their own segments).
 */
export function requireSubtitlePackager(packager: Packager): CmafPackager {
  if (!isCmafPackager(packager)) {
    throw new CasterpakError('NOT_FOUND', `subtitle files need packager = "builtin"; this daemon runs ${packager.name}`, { packager: packager.name });
  }
  return packager;
}

export interface SubtitleBytesRequest {
  readonly config: Config;
  readonly packager: Packager;
  readonly catalog: SubtitleCatalog;
  readonly src: OpenSource;
  readonly file: SubtitleFile;
}

export async function subtitleFileBytes(req: SubtitleBytesRequest): Promise<string> {
  const { config, catalog, src, file } = req;
  const { movie, plan } = await requireSubtitlePackager(req.packager).plannedMovie(src);
  const text = await catalog.textOf(src, movie);
  const track = text.tracks.find((t) => t.key === file.key);
  if (!track) throw new CasterpakError('NOT_FOUND', `the rendition has no subtitle track '${file.key}'`, { key: file.key });
  const spans = spansOf(plan);
  if (file.kind === 'subs-whole') return renderVttFile(track.cues);
  if (file.kind === 'subs-segment') {
    if (!spans.some((span) => span.number === file.n)) throw new CasterpakError('NOT_FOUND', 'no such segment', { n: file.n, segments: spans.length });
    return renderVttSegment(cuesOfSegment(track.cues, spans, file.n), plan.shift90k);
  }
  const base = subtitleBaseUri({ publicBaseUrl: config.publicBaseUrl, urlPrefix: config.urlPrefix, sourceRel: src.relPath, from: 'rendition' }, 'ts');
  return renderSubtitlePlaylist(spans, (n) => base + subtitleSegmentName(track.key, n));
}

/** One rendition of a master with its text, and the URI its variant is written with (to mark it captioned). */
export interface TextMember {
  readonly uri: RenditionUriOptions;
  readonly variantUri: string;
  readonly text: RenditionText;
}

/**
 * What a master says of text: the subtitle tracks of its first rendition that has any (a set's
 * renditions are one programme, so they share one subtitles group), written relative to the master
 * of `format`, and the renditions whose video carries captions.
 */
export function textMediaOf(members: readonly TextMember[], format: 'ts' | 'cmaf'): TextMedia {
  const withTracks = members.find((m) => m.text.tracks.length > 0);
  const base = withTracks ? subtitleBaseUri(withTracks.uri, format) : '';
  const subtitles = (withTracks?.text.tracks ?? []).map(
    (track): SubtitleRendition => ({
      key: track.key,
      ...(track.language ? { language: track.language } : {}),
      name: track.name,
      playlistUri: base + subtitlePlaylistName(track.key),
      fileUri: base + subtitleWholeName(track.key),
    }),
  );
  return { subtitles, captionedUris: new Set(members.filter((m) => m.text.captions).map((m) => m.variantUri)) };
}
