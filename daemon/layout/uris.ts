// How playlists point at a rendition's files: relative to where the playlist lives, or absolute with public_base_url (pure).

/** Percent-encodes each path segment, so spaces, `?`, `#`, `%` and commas in names survive as one URI. */
export function encodePath(rel: string): string {
  return rel.split('/').map(encodeURIComponent).join('/');
}

export interface RenditionUriOptions {
  /** Config `public_base_url` without a trailing slash; empty for relative URIs. */
  readonly publicBaseUrl: string;
  /** Config `url_prefix`, e.g. `/i/`. */
  readonly urlPrefix: string;
  /** The rendition below media_root, e.g. `dir/clip_360p.mp4`. */
  readonly sourceRel: string;
  /**
   * Where the playlist holding the URI lives: in the rendition's own folder (`/i/<rel>/…`), or in
   * a csmil set's folder (`/i/<dir>/<set>.csmil/master.m3u8`), which is a sibling of the renditions.
   */
  readonly from: 'rendition' | 'set';
}

/**
 * The text written before a file name of the rendition. Relative URIs resolve against the
 * playlist's own URL (RFC 3986 §5.2, as hls.js and Apple's players do), so a set's master climbs
 * one level: `../clip_360p.mp4/index_0_av.m3u8`. That keeps working behind any host or any path a
 * proxy or CDN mounts the prefix under, which absolute-path URIs (`/i/…`) would not.
 */
export function renditionBaseUri(options: RenditionUriOptions): string {
  if (options.publicBaseUrl !== '') return `${options.publicBaseUrl}${options.urlPrefix}${encodePath(options.sourceRel)}/`;
  if (options.from === 'rendition') return '';
  const name = options.sourceRel.slice(options.sourceRel.lastIndexOf('/') + 1);
  return `../${encodeURIComponent(name)}/`;
}

/**
 * The text written before a CMAF file name of the rendition (`video.m3u8`, `video_1.m4s`). A
 * rendition's own CMAF master lies in its `cmaf/` folder beside them; a set's lies in
 * `<set>.csmil/cmaf/`, two levels below the renditions' folder: `../../clip_360p.mp4/cmaf/`.
 */
export function cmafBaseUri(options: RenditionUriOptions): string {
  if (options.publicBaseUrl !== '') return `${renditionBaseUri(options)}cmaf/`;
  if (options.from === 'rendition') return '';
  const name = options.sourceRel.slice(options.sourceRel.lastIndexOf('/') + 1);
  return `../../${encodeURIComponent(name)}/cmaf/`;
}
