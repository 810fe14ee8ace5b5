// The DASH MPD's text: one AdaptationSet per subtitle track, a single WebVTT file as its one representation (ISO/IEC 23009-1 §5.3.3, §5.8.5.5) (pure).
//
// A whole-file (sidecar) representation rather than segments: dash.js and Shaka Player both take a
// `text/vtt` Representation whose BaseURL is the whole track and show its cues on the period's
// timeline, whereas segmented text in DASH would have to be wrapped in fMP4 (`stpp`/`wvtt` in ISO
// BMFF, ISO/IEC 14496-30) for those players. Subtitle files are small (a film's is ~100 KB), so
// one fetch of the whole track costs little.

import type { SubtitleRendition } from './text-media.js';

/** ISO/IEC 23009-1 §5.8.5.5: the role scheme; `subtitle` is what the players list as text to choose. */
const ROLE_SCHEME = 'urn:mpeg:dash:role:2011';
/** A nominal bandwidth (bit/s): required by the schema, and small enough that no player waits on it. */
const TEXT_BANDWIDTH_BPS = 256;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The AdaptationSets, ids from `firstId` on, indented as the MPD's other sets are. */
export function textAdaptationSets(subtitles: readonly SubtitleRendition[], firstId: number): string[] {
  return subtitles.flatMap((track, k) => {
    const lang = track.language ? ` lang="${escapeXml(track.language)}"` : '';
    return [
      `<AdaptationSet id="${firstId + k}" contentType="text" mimeType="text/vtt"${lang}>`,
      `  <Label>${escapeXml(track.name)}</Label>`,
      `  <Role schemeIdUri="${ROLE_SCHEME}" value="subtitle"/>`,
      `  <Representation id="text-${escapeXml(track.key)}" bandwidth="${TEXT_BANDWIDTH_BPS}">`,
      `    <BaseURL>${escapeXml(track.fileUri)}</BaseURL>`,
      '  </Representation>',
      '</AdaptationSet>',
    ];
  });
}
