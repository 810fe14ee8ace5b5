// Master playlists into the cache: load the renditions, describe them, publish atomically, remember their sources.

import { promises as fs } from 'node:fs';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { IFRAME_PLAYLIST_NAME, MEDIA_PLAYLIST_NAME } from '../layout/rendition-files.js';
import { masterFormatOf, type MasterRequest } from '../layout/requests.js';
import { cmafBaseUri, renditionBaseUri } from '../layout/uris.js';
import type { Logger } from '../log.js';
import { applyBitrateFilter, type BitrateTerm } from '../master/bitrate-filter.js';
import { renderCmafMaster } from '../master/cmaf-hls.js';
import { describeCmafRendition } from '../master/cmaf-rendition.js';
import { renderMasterPlaylist, type MasterVariant } from '../master/master-playlist.js';
import { renderMpd } from '../master/mpd.js';
import { variantFacts } from '../master/variant.js';
import type { MoviePlanner, Packager } from '../packagers/packager.js';
import type { Store } from '../store/store.js';
import { requireCmafPackager } from './cmaf-filler.js';
import type { FillResult } from './fill-result.js';
import { loadMembers, memberRecord, membersUnchanged, noUsableMember, type LoadedMember } from './master-members.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { publishBytes, unlinkCacheFile } from './publish.js';
import type { SingleFlight } from './single-flight.js';

export interface MasterFillerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly packager: Packager;
  readonly planner: MoviePlanner;
  readonly log: Logger;
  readonly flights: SingleFlight<void>;
  /** Runs a generation under the packaging bound, recorded in the database while it runs. */
  readonly generate: (key: string, work: () => Promise<void>) => Promise<void>;
  readonly maxWaitMs: number;
}

type UsableMember = Extract<LoadedMember, { state: 'usable' }>;

interface DescribedSet {
  readonly members: LoadedMember[];
  readonly usable: UsableMember[];
  readonly variants: MasterVariant[];
}

function sourceRelsOf(req: MasterRequest): readonly string[] {
  return req.type === 'set' ? req.sourceRels : [req.sourceRel];
}

export class MasterFiller {
  constructor(private readonly deps: MasterFillerDeps) {}

  /** Makes sure the master is in the cache and was built from the renditions as they are now. */
  async fill(req: MasterRequest): Promise<FillResult> {
    const { config, store, flights, maxWaitMs } = this.deps;
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean): FillResult => ({ cachePath: req.cachePath, absPath, contentType: contentTypeOf(req.cachePath), generated });
    const present = await fs.access(absPath).then(() => true, () => false);
    if (present && (await membersUnchanged(config.mediaRoot, store.membersOfMaster(req.cachePath)))) return result(false);
    await flights.run(`master:${req.cachePath}`, () => this.deps.generate(req.cachePath, () => this.build(req)), maxWaitMs);
    return result(true);
  }

  /** The master with only the renditions `?b=` keeps; served as it is, never cached (try_files cannot see the query). */
  async filtered(req: MasterRequest, terms: readonly BitrateTerm[]): Promise<string> {
    const { variants, usable } = await this.describe(req);
    const keep = applyBitrateFilter(terms, variants.map((v) => v.facts.mediaBps));
    if (keep.length === 0) throw new CasterpakError('NOT_FOUND', 'no rendition matches the b= filter', { cachePath: req.cachePath });
    return this.render(req, keep.map((i) => usable[i]), keep.map((i) => variants[i]));
  }

  /** The text of the master as the request's format asks: the MPEG-TS master, the CMAF HLS master or the DASH MPD. */
  private render(req: MasterRequest, usable: readonly UsableMember[], variants: readonly MasterVariant[]): string {
    const format = masterFormatOf(req);
    const independentSegments = this.independent(usable);
    if (format === 'ts') return renderMasterPlaylist({ variants, independentSegments });
    requireCmafPackager(this.deps.packager);
    const { publicBaseUrl, urlPrefix } = this.deps.config;
    const from = req.type === 'set' ? 'set' : 'rendition';
    const renditions = usable.map((m) => describeCmafRendition(cmafBaseUri({ publicBaseUrl, urlPrefix, sourceRel: m.src.relPath, from }), m.movie, m.plan));
    return format === 'cmaf-hls' ? renderCmafMaster({ renditions, independentSegments }) : renderMpd({ renditions, independentSegments });
  }

  private async describe(req: MasterRequest): Promise<DescribedSet> {
    const { config, planner, log } = this.deps;
    const members = await loadMembers(config.mediaRoot, planner, sourceRelsOf(req));
    const usable = members.filter((m): m is UsableMember => m.state === 'usable');
    for (const member of members) {
      if (member.state === 'missing') log.warn({ master: req.cachePath, source: member.sourceRel }, 'rendition left out of master: missing');
      if (member.state === 'unusable') {
        log.warn({ master: req.cachePath, source: member.src.relPath, code: member.error.code }, `rendition left out of master: ${member.error.message}`);
      }
    }
    if (usable.length === 0) throw noUsableMember(members, req.cachePath);
    const variants = usable.map((member) => this.variant(req, member));
    return { members, usable, variants };
  }

  private variant(req: MasterRequest, member: UsableMember): MasterVariant {
    const { publicBaseUrl, urlPrefix, iframePlaylists } = this.deps.config;
    const base = renditionBaseUri({ publicBaseUrl, urlPrefix, sourceRel: member.src.relPath, from: req.type === 'set' ? 'set' : 'rendition' });
    const facts = variantFacts(member.movie, member.plan.segments);
    const iframeUri = iframePlaylists && facts.iframe ? base + IFRAME_PLAYLIST_NAME : undefined;
    return { uri: base + MEDIA_PLAYLIST_NAME, ...(iframeUri ? { iframeUri } : {}), facts };
  }

  /** EXT-X-INDEPENDENT-SEGMENTS only for what the builtin planner cut at IDR pictures itself. */
  private independent(usable: readonly UsableMember[]): boolean {
    return this.deps.packager.name === 'builtin' && usable.every((m) => m.plan.independentSegments);
  }

  private async build(req: MasterRequest): Promise<void> {
    const { config, store, packager } = this.deps;
    if (masterFormatOf(req) !== 'ts') requireCmafPackager(packager);
    const { members, usable, variants } = await this.describe(req);
    const text = this.render(req, usable, variants);
    // Package rows anchor the master: a later replacement of any member creates a new row, which drops the master.
    let packageId: number | null = null;
    for (const member of usable) {
      const segmentCount = packager.granularity === 'segment' ? member.plan.segments.length : null;
      const { pkg, staleFiles } = store.ensurePackage(member.src, packager.name, packager.granularity, segmentCount);
      await Promise.all(staleFiles.filter((p) => p !== req.cachePath).map((p) => unlinkCacheFile(config.cacheDir, p)));
      if (req.type === 'rendition') packageId = pkg.id;
    }
    const bytes = await publishBytes(config.cacheDir, req.cachePath, text);
    store.recordMaster({ path: req.cachePath, packageId, kind: 'master', bytes }, members.map(memberRecord));
    this.deps.log.info({ master: req.cachePath, variants: variants.length, leftOut: members.length - usable.length }, 'wrote master playlist');
  }
}
