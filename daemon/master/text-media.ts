// What a master says about text: the SUBTITLES group's EXT-X-MEDIA renditions and the CLOSED-CAPTIONS declaration (RFC 8216 §4.3.4.1, §4.3.4.2) (pure).

/** The one subtitles group every video variant names. */
export const SUBTITLES_GROUP = 'subs';
/** The closed-captions group: CEA-608 field 1, channel 1, carried in the video's SEI. */
export const CAPTIONS_GROUP = 'cc';

export interface SubtitleRendition {
  /** The track's key (`en`, `track3`), for DASH ids. */
  readonly key: string;
  /** Canonical BCP 47 tag; absent when the track says no language. */
  readonly language?: string;
  readonly name: string;
  /** URI of its WebVTT media playlist, as written in an HLS master (relative or absolute, encoded). */
  readonly playlistUri: string;
  /** URI of the whole-track WebVTT file, as written in an MPD. */
  readonly fileUri: string;
}

export interface TextMedia {
  readonly subtitles: readonly SubtitleRendition[];
  /** The variants (by media playlist URI) whose video carries CEA-608 captions. */
  readonly captionedUris: ReadonlySet<string>;
}

/** A quoted-string attribute value may hold neither `"` nor a line break (RFC 8216 §4.2). */
function quoted(text: string): string {
  return `"${text.replace(/["\r\n]/g, "'")}"`;
}

/**
 * EXT-X-MEDIA lines: each subtitle track (DEFAULT=NO, AUTOSELECT=YES: a player picks one by the
 * viewer's language but shows none unasked), and the captions rendition when a variant has them.
 * NAME must be unique within the group (§4.3.4.1.1), so a repeated name gets its key appended.
 */
export function textMediaLines(media: TextMedia | undefined): string[] {
  if (!media) return [];
  const seen = new Set<string>();
  const lines = media.subtitles.map((track) => {
    const name = seen.has(track.name) ? `${track.name} (${track.key})` : track.name;
    seen.add(name);
    const language = track.language ? `,LANGUAGE=${quoted(track.language)}` : '';
    return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLES_GROUP}",NAME=${quoted(name)}${language},DEFAULT=NO,AUTOSELECT=YES,URI=${quoted(track.playlistUri)}`;
  });
  if (media.captionedUris.size > 0) {
    lines.push(`#EXT-X-MEDIA:TYPE=CLOSED-CAPTIONS,GROUP-ID="${CAPTIONS_GROUP}",NAME="CC1",DEFAULT=NO,AUTOSELECT=YES,INSTREAM-ID="CC1"`);
  }
  return lines;
}

/**
 * The EXT-X-STREAM-INF attributes of a variant with video: `SUBTITLES="subs"` when there are subtitle
 * tracks, and `CLOSED-CAPTIONS`: the group when its video carries captions, NONE when no variant of
 * the master does (§4.3.4.2: NONE on one variant means NONE on all, so a master where only some
 * variants carry captions leaves the attribute off the others).
 */
export function textVariantAttributes(media: TextMedia | undefined, uri: string): string[] {
  if (!media) return [];
  const attributes = media.subtitles.length > 0 ? [`SUBTITLES="${SUBTITLES_GROUP}"`] : [];
  if (media.captionedUris.has(uri)) attributes.push(`CLOSED-CAPTIONS="${CAPTIONS_GROUP}"`);
  else if (media.captionedUris.size === 0) attributes.push('CLOSED-CAPTIONS=NONE');
  return attributes;
}
