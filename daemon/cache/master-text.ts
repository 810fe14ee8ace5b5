// What a master's renditions hold as text (subtitle tracks, CEA-608 captions), written for the MPEG-TS master and for the CMAF master and MPD.

import type { Config } from '../config.js';
import { cmafBaseUri, type RenditionUriOptions } from '../layout/uris.js';
import type { TextMedia } from '../master/text-media.js';
import type { Movie } from '../mp4/types.js';
import type { SourceFile } from '../source/resolve.js';
import { withOpened, type Source } from '../source/source.js';
import type { SubtitleCatalog } from './subtitle-catalog.js';
import { textMediaOf, type TextMember } from './subtitle-filler.js';

export interface MasterTextRequest {
  readonly config: Config;
  /** Where the renditions are read from (media_root's directory, HTTP origin or bucket). */
  readonly source: Source;
  readonly catalog: SubtitleCatalog;
  /** Where the master lives: a rendition's own folder, or a csmil set's. */
  readonly from: RenditionUriOptions['from'];
  /** The master's renditions, each with the URI its MPEG-TS variant is written with. */
  readonly members: ReadonlyArray<{ readonly src: SourceFile; readonly movie: Movie; readonly variantUri: string }>;
}

/** Each rendition's text (its source opened again, read through that one handle), written for both master forms. */
export async function masterTextMedia(req: MasterTextRequest): Promise<{ ts: TextMedia; cmaf: TextMedia }> {
  const { config, catalog, from } = req;
  const texts = await Promise.all(
    req.members.map((m) => withOpened(req.source, m.src.relPath, (src) => catalog.textOf(src, m.movie))),
  );
  const ts: TextMember[] = [];
  const cmaf: TextMember[] = [];
  req.members.forEach((member, k) => {
    const uri: RenditionUriOptions = { publicBaseUrl: config.publicBaseUrl, urlPrefix: config.urlPrefix, sourceRel: member.src.relPath, from };
    ts.push({ uri, variantUri: member.variantUri, text: texts[k] });
    cmaf.push({ uri, variantUri: cmafBaseUri(uri), text: texts[k] });
  });
  return { ts: textMediaOf(ts, 'ts'), cmaf: textMediaOf(cmaf, 'cmaf') };
}

