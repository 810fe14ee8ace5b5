// What a URL asks for: a file of one rendition, or the master of a rendition set, and where it lives in the cache (pure).

import { renditionFilePath } from './cache-paths.js';
import { parseCsmil } from './csmil.js';
import { CMAF_DIR, cmafFile } from './cmaf-files.js';
import { MASTER_NAME, renditionFile, type RenditionFile } from './rendition-files.js';
import { hasSourceExtension } from './sources.js';

export interface RenditionRequest {
  readonly type: 'rendition';
  /** The source below media_root, decoded, forward slashes: `2022/clip.mp4`. */
  readonly sourceRel: string;
  readonly file: RenditionFile;
  /** Where the answer lives below cache_dir (decoded URL path without the leading slash). */
  readonly cachePath: string;
}

/** The master playlist of an Akamai-style rendition set: `/i/<dir>/<prefix>,<a>,<b>,<suffix>.csmil/master.m3u8`. */
export interface RenditionSetRequest {
  readonly type: 'set';
  /** The sources below media_root, decoded, forward slashes, duplicates removed, in URL order. */
  readonly sourceRels: readonly string[];
  /** Where the master lives below cache_dir (decoded URL path without the leading slash). */
  readonly cachePath: string;
  /** The set's CMAF presentations (`<set>.csmil/cmaf/master.m3u8`, `.../cmaf/manifest.mpd`); absent for the MPEG-TS master. */
  readonly format?: 'cmaf-hls' | 'cmaf-dash';
}

export type ParsedRequest = RenditionRequest | RenditionSetRequest;

/** Every request that is answered with a master playlist or a DASH MPD. */
export type MasterRequest = RenditionSetRequest | (RenditionRequest & { readonly file: { kind: 'master' | 'cmaf-master' | 'cmaf-mpd' } });

export function isMasterRequest(req: ParsedRequest): req is MasterRequest {
  return req.type === 'set' || req.file.kind === 'master' || req.file.kind === 'cmaf-master' || req.file.kind === 'cmaf-mpd';
}

/** What a master request answers with: the MPEG-TS master, the CMAF HLS master or the DASH MPD. */
export type MasterFormat = 'ts' | 'cmaf-hls' | 'cmaf-dash';

export function masterFormatOf(req: MasterRequest): MasterFormat {
  if (req.type === 'set') return req.format ?? 'ts';
  if (req.file.kind === 'cmaf-master') return 'cmaf-hls';
  return req.file.kind === 'cmaf-mpd' ? 'cmaf-dash' : 'ts';
}

/** The request for one file of a rendition, as parseRequestPath would return it (for `casterpakd warm`). */
export function renditionRequest(urlPrefix: string, sourceRel: string, file: RenditionFile): RenditionRequest {
  return { type: 'rendition', sourceRel, file, cachePath: renditionFilePath(urlPrefix, sourceRel, file) };
}

/**
 * The decoded segments of a URL path under `urlPrefix` (e.g. `/i/`) → what they ask for, or undefined
 * for any other shape (a 404). Throws BAD_PATH (400) for a rendition set that is recognisably one but unusable.
 */
export function requestOfSegments(segments: readonly string[], urlPrefix: string): ParsedRequest | undefined {
  const prefixSegments = urlPrefix.split('/').filter(Boolean);
  const underPrefix = prefixSegments.every((p, i) => segments[i] === p);
  if (!underPrefix || segments.length < prefixSegments.length + 2) return undefined;
  if (segments.length >= prefixSegments.length + 3 && segments[segments.length - 2] === CMAF_DIR) {
    return cmafRequest(segments, prefixSegments.length);
  }
  const sourceSegments = segments.slice(prefixSegments.length, -1);
  const fileName = segments[segments.length - 1];
  const container = sourceSegments[sourceSegments.length - 1];
  const set = fileName === MASTER_NAME ? parseCsmil(container, hasSourceExtension) : undefined;
  if (set) {
    // Every rendition is a sibling of the csmil: entries cannot hold a slash (decodeSegments refuses one).
    const dir = sourceSegments.slice(0, -1);
    return { type: 'set', sourceRels: set.fileNames.map((name) => [...dir, name].join('/')), cachePath: segments.join('/') };
  }
  const file = renditionFile(fileName);
  if (!file || !hasSourceExtension(container)) return undefined;
  return {
    type: 'rendition',
    sourceRel: sourceSegments.join('/'),
    file,
    cachePath: segments.join('/'),
  };
}

/** `<rel>.mp4/cmaf/<name>` or `<set>.csmil/cmaf/{master.m3u8,manifest.mpd}`. */
function cmafRequest(segments: readonly string[], prefixLength: number): ParsedRequest | undefined {
  const file = cmafFile(segments[segments.length - 1]);
  if (!file) return undefined;
  const sourceSegments = segments.slice(prefixLength, -2);
  const container = sourceSegments[sourceSegments.length - 1];
  const isMaster = file.kind === 'cmaf-master' || file.kind === 'cmaf-mpd';
  const set = isMaster ? parseCsmil(container, hasSourceExtension) : undefined;
  if (set) {
    const dir = sourceSegments.slice(0, -1);
    return {
      type: 'set',
      sourceRels: set.fileNames.map((name) => [...dir, name].join('/')),
      cachePath: segments.join('/'),
      format: file.kind === 'cmaf-master' ? 'cmaf-hls' : 'cmaf-dash',
    };
  }
  if (!hasSourceExtension(container)) return undefined;
  return { type: 'rendition', sourceRel: sourceSegments.join('/'), file, cachePath: segments.join('/') };
}
