// fMP4 HLS texts: a track's media playlist with EXT-X-MAP, and the master with audio as an EXT-X-MEDIA group (RFC 8216) (pure).

import { cmafInitName, cmafPlaylistName, cmafSegmentName, type CmafTrack } from '../layout/cmaf-files.js';
import { formatExtinf, targetDurationSec } from '../plan/playlist.js';
import type { CmafRendition, CmafTrackTimes } from './cmaf-rendition.js';
import { formatFrameRate } from './master-playlist.js';
import { textMediaLines, textVariantAttributes, type TextMedia } from './text-media.js';
import { cmafAudioGroupLines, cmafGroupCodecs } from './cmaf-audio-group.js';
import { frameRateOf } from './variant.js';

/**
 * Version 7: EXT-X-MAP in a playlist that is not I-frames-only needs version 6 (RFC 8216 §7), and
 * Apple's authoring rules ask for 7 with fMP4 segments. EXT-X-ALLOW-CACHE is gone since version 7.
 */
export const CMAF_HLS_VERSION = 7;

/**
 * The media playlist of one track, with the tags in the same order as the MPEG-TS playlists.
 * `independentSegments`: every segment starts with a sync sample that decodes alone (RFC 8216 §4.3.5.1).
 */
export function renderCmafMediaPlaylist(facts: CmafTrackTimes, baseUri: string, options: { independentSegments: boolean; track?: CmafTrack }): string {
  const { independentSegments } = options;
  const track = options.track ?? facts.kind;
  const durationsSec = facts.segments.map((s) => s.durationTicks / facts.track.timescale);
  const lines = [
    '#EXTM3U',
    `#EXT-X-TARGETDURATION:${targetDurationSec(durationsSec)}`,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-VERSION:${CMAF_HLS_VERSION}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
  ];
  if (independentSegments || facts.kind === 'audio') lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  lines.push(`#EXT-X-MAP:URI="${baseUri}${cmafInitName(track)}"`);
  facts.segments.forEach((segment, k) => {
    lines.push(`#EXTINF:${formatExtinf(durationsSec[k])},`, baseUri + cmafSegmentName(track, segment.number));
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

export interface CmafMasterOptions {
  /** In any order; the master lists them by ascending BANDWIDTH. */
  readonly renditions: readonly CmafRendition[];
  /** Every segment of every track starts with a sync sample the planner checked is an IDR picture. */
  readonly independentSegments: boolean;
  /** Subtitle tracks and closed captions; `captionedUris` holds renditions' baseUri. */
  readonly text?: TextMedia;
}

function streamInf(rendition: CmafRendition, audioGroup: string | undefined, textAttributes: readonly string[] = []): string {
  const codecs = cmafGroupCodecs(rendition);
  const attributes = [`BANDWIDTH=${rendition.combined.peakBps}`, `AVERAGE-BANDWIDTH=${rendition.combined.averageBps}`, `CODECS="${codecs}"`];
  const video = rendition.movie.video;
  if (video) attributes.push(`RESOLUTION=${video.width}x${video.height}`, `FRAME-RATE=${formatFrameRate(frameRateOf(video))}`);
  if (audioGroup) attributes.push(`AUDIO="${audioGroup}"`);
  attributes.push(...textAttributes);
  return `#EXT-X-STREAM-INF:${attributes.join(',')}`;
}

/**
 * One variant per rendition with video, its audio in a group of its own (each rendition carries its
 * own audio track); an audio-only rendition is a variant of its own audio playlist.
 */
export function renderCmafMaster(options: CmafMasterOptions): string {
  const sorted = [...options.renditions].sort((a, b) => a.combined.peakBps - b.combined.peakBps || a.combined.averageBps - b.combined.averageBps);
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${CMAF_HLS_VERSION}`];
  if (options.independentSegments) lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  lines.push(...textMediaLines(options.text));
  const written = new Set<string>();
  sorted.forEach((rendition, k) => {
    const text = textVariantAttributes(options.text, rendition.baseUri);
    const { video, audio, audioGroup } = rendition;
    if (video && audioGroup) {
      // A group several variants play with (a set's audio-only renditions) is written once, before the first of them.
      if (!written.has(audioGroup.id)) lines.push(...cmafAudioGroupLines(audioGroup));
      written.add(audioGroup.id);
      lines.push(streamInf(rendition, audioGroup.id, text), rendition.baseUri + cmafPlaylistName('video'));
      return;
    }
    if (!video && audio) {
      lines.push(streamInf(rendition, undefined, text), rendition.baseUri + cmafPlaylistName('audio'));
      return;
    }
    const group = audio ? `audio-${k + 1}` : undefined;
    if (audio && group) {
      const channels = audio.track.kind === 'audio' ? audio.track.channelCount : 2;
      lines.push(
        `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${group}",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${channels}",URI="${rendition.baseUri}${cmafPlaylistName('audio')}"`,
      );
    }
    lines.push(streamInf(rendition, group, text), rendition.baseUri + cmafPlaylistName('video'));
  });
  lines.push('');
  return lines.join('\n');
}
