// The bytes of a rendition's CMAF files (cmaf/ folder): media playlists from the plan, init and media segments made on demand by the builtin packager.

import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import type { CmafFile } from '../layout/cmaf-files.js';
import { cmafBaseUri } from '../layout/uris.js';
import { renderCmafMediaPlaylist } from '../master/cmaf-hls.js';
import { cmafTrackTimes } from '../master/cmaf-rendition.js';
import { isCmafPackager, type CmafPackager, type Packager } from '../packagers/packager.js';
import { withStartTag } from '../plan/playlist.js';
import type { OpenSource } from '../source/open-source.js';
import { selectCmafTrack } from '../plan/track-selection.js';
import { prepareBytes, prepareChunks, type PreparedFile } from './publish.js';

/** The CMAF files of one rendition: everything under `<rel>/cmaf/` but the master and the MPD, which the master filler makes. */
export type CmafRenditionFile = Exclude<CmafFile, { kind: 'cmaf-master' | 'cmaf-mpd' }>;

/** CMAF output is made by the builtin packager alone; with ffmpeg or mp42hls these URLs are refused with this reason. */
export function requireCmafPackager(packager: Packager): CmafPackager {
  if (!isCmafPackager(packager)) {
    throw new CasterpakError('NOT_FOUND', `CMAF output (cmaf/ URLs) needs packager = "builtin"; this daemon runs ${packager.name}`, { packager: packager.name });
  }
  return packager;
}

export interface CmafBytesRequest {
  readonly config: Config;
  readonly cmaf: CmafPackager;
  /** The opened source the run reads. */
  readonly src: OpenSource;
  readonly file: CmafRenditionFile;
  readonly signal: AbortSignal;
}

/**
 * The file written under .tmp/, ready to publish: a media segment straight from where its samples were
 * read when the packager can hand it over in pieces, anything else as cmafFileBytes makes it.
 */
export async function prepareCmafFile(req: CmafBytesRequest, cachePath: string): Promise<PreparedFile> {
  const { config, cmaf, src, file, signal } = req;
  if (file.kind === 'cmaf-segment' && cmaf.withCmafSegment) {
    return cmaf.withCmafSegment(src, file.track, file.n, signal, (chunks) => prepareChunks(config.cacheDir, cachePath, chunks));
  }
  return prepareBytes(config.cacheDir, cachePath, await cmafFileBytes(req));
}

/** What the cache file holds: a track's media playlist, its init segment, or one of its media segments. */
export async function cmafFileBytes(req: CmafBytesRequest): Promise<Uint8Array | string> {
  const { config, cmaf, src, file, signal } = req;
  if (file.kind === 'cmaf-init') return cmaf.cmafInit(src, file.track);
  if (file.kind === 'cmaf-segment') return cmaf.cmafSegment(src, file.track, file.n, signal);
  const planned = await cmaf.plannedMovie(src);
  const baseUri = cmafBaseUri({ publicBaseUrl: config.publicBaseUrl, urlPrefix: config.urlPrefix, sourceRel: src.relPath, from: 'rendition' });
  const view = selectCmafTrack(planned.movie, planned.plan, file.track);
  const facts = view ? cmafTrackTimes(view.movie, view.plan, view.kind) : undefined;
  if (!facts) throw new CasterpakError('NOT_FOUND', `the rendition has no ${file.track} track`, { track: file.track });
  const media = renderCmafMediaPlaylist(facts, baseUri, { independentSegments: planned.plan.independentSegments, track: file.track });
  return withStartTag(media, planned.plan.startOffsetSec);
}
