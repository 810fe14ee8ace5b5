// Master playlists into the cache: load the renditions, describe them, publish atomically, remember their sources.

import { promises as fs } from 'node:fs';
import type { Config } from '../config.js';
import { CasterpakError } from '../errors.js';
import { renditionCacheDir } from '../layout/cache-paths.js';
import { IFRAME_PLAYLIST_NAME, MEDIA_PLAYLIST_NAME } from '../layout/rendition-files.js';
import { masterFormatOf, type MasterRequest } from '../layout/requests.js';
import { cmafBaseUri, renditionBaseUri } from '../layout/uris.js';
import type { Logger } from '../log.js';
import { applyBitrateFilter, type BitrateTerm } from '../master/bitrate-filter.js';
import { renderCmafMaster } from '../master/cmaf-hls.js';
import { describeCmafRendition } from '../master/cmaf-rendition.js';
import { renderMasterPlaylist, type MasterVariant } from '../master/master-playlist.js';
import { renderMpd } from '../master/mpd.js';
import type { TextMedia } from '../master/text-media.js';
import { variantFacts, type VariantFacts } from '../master/variant.js';
import { BoundedLru } from '../packagers/builtin/lru.js';
import { sourceKey } from '../packagers/builtin/parsed-sources.js';
import { isCmafPackager, type MoviePlanner, type Packager } from '../packagers/packager.js';
import type { Source } from '../source/source.js';
import type { PackageRow, Store } from '../store/store.js';
import { requireCmafPackager } from './cmaf-filler.js';
import type { FillResult } from './fill-result.js';
import { claimPackage, publishGeneration } from './generation-publish.js';
import { loadMembers, memberRecord, membersUnchanged, noUsableMember, type LoadedMember } from './master-members.js';
import { cacheFileAbs, contentTypeOf } from './paths.js';
import { prepareBytes, unlinkCacheFiles } from './publish.js';
import type { SingleFlight } from './single-flight.js';
import type { SubtitleCatalog } from './subtitle-catalog.js';
import { masterTextMedia } from './master-text.js';

export interface MasterFillerDeps {
  readonly config: Config;
  readonly store: Store;
  readonly packager: Packager;
  readonly planner: MoviePlanner;
  readonly log: Logger;
  readonly source: Source;
  readonly flights: SingleFlight;
  /** Runs a generation under the packaging bound, recorded in the database while it runs. */
  readonly generate: (key: string, work: () => Promise<void>) => Promise<void>;
  readonly maxWaitMs: number;
  /** The renditions' subtitle tracks and captions, for the masters' text renditions (builtin packager only). */
  readonly subtitles?: SubtitleCatalog;
}

type UsableMember = Extract<LoadedMember, { state: 'usable' }>;

interface DescribedSet {
  readonly members: LoadedMember[];
  readonly usable: UsableMember[];
  readonly variants: MasterVariant[];
}

/** Text renditions for the TS and the CMAF forms; absent when the packager makes no subtitles. */
type MasterText = { readonly ts: TextMedia; readonly cmaf: TextMedia } | undefined;

/** Variant facts of this many renditions stay in memory (a few hundred bytes each). */
const FACTS_CACHE_LIMITS = { maxEntries: 1024, maxWeightBytes: Number.POSITIVE_INFINITY };

function sourceRelsOf(req: MasterRequest): readonly string[] {
  return req.type === 'set' ? req.sourceRels : [req.sourceRel];
}

export class MasterFiller {
  /**
   * What each rendition's variant says, by source identity (path, size, mtime): the planner keeps the
   * parsed moov and plan, and this keeps the bit rates measured from them, so a master made again
   * (a `?b=` filter, a set naming a missing file) costs a stat per rendition, not a pass over its samples.
   */
  private readonly facts = new BoundedLru<VariantFacts>(FACTS_CACHE_LIMITS);

  constructor(private readonly deps: MasterFillerDeps) {}

  /**
   * Makes sure the master is in the cache and was built from the renditions as they are now. A master
   * that names a missing rendition is answered (`uncachedText`) but neither written nor recorded: any
   * URL can name missing files, and caching each one would let anyone fill the cache and the database.
   * Once the rendition appears, the next request builds the whole master and caches it.
   */
  async fill(req: MasterRequest): Promise<FillResult> {
    const { config, store, flights, maxWaitMs } = this.deps;
    const absPath = cacheFileAbs(config.cacheDir, req.cachePath);
    const result = (generated: boolean, uncachedText?: string): FillResult => ({
      cachePath: req.cachePath,
      absPath,
      contentType: contentTypeOf(req.cachePath),
      generated,
      ...(uncachedText === undefined ? {} : { uncachedText }),
    });
    const present = await fs.access(absPath).then(() => true, () => false);
    if (present && (await membersUnchanged(this.deps.source, store.membersOfMaster(req.cachePath)))) return result(false);
    const uncachedText = await flights.run(`master:${req.cachePath}`, async () => {
      let text: string | undefined;
      await this.deps.generate(req.cachePath, async () => {
        text = await this.build(req);
      });
      return text;
    }, maxWaitMs);
    return result(true, uncachedText);
  }

  /** The master with only the renditions `?b=` keeps; served as it is, never cached (try_files cannot see the query). */
  async filtered(req: MasterRequest, terms: readonly BitrateTerm[]): Promise<string> {
    const { variants, usable } = await this.describe(req);
    const keep = applyBitrateFilter(terms, variants.map((v) => v.facts.mediaBps));
    if (keep.length === 0) throw new CasterpakError('NOT_FOUND', 'no rendition matches the b= filter', { cachePath: req.cachePath });
    const keptUsable = keep.map((i) => usable[i]);
    const keptVariants = keep.map((i) => variants[i]);
    return this.render(req, keptUsable, keptVariants, await this.textMedia(req, keptUsable, keptVariants));
  }

  /** The text of the master as the request's format asks: the MPEG-TS master, the CMAF HLS master or the DASH MPD. */
  private render(req: MasterRequest, usable: readonly UsableMember[], variants: readonly MasterVariant[], text: MasterText): string {
    const format = masterFormatOf(req);
    const independentSegments = this.independent(usable);
    if (format === 'ts') return renderMasterPlaylist({ variants, independentSegments, text: text?.ts });
    requireCmafPackager(this.deps.packager);
    const { publicBaseUrl, urlPrefix } = this.deps.config;
    const from = req.type === 'set' ? 'set' : 'rendition';
    const renditions = usable.map((m) => describeCmafRendition(cmafBaseUri({ publicBaseUrl, urlPrefix, sourceRel: m.src.relPath, from }), m.movie, m.plan));
    const cmafText = text?.cmaf;
    return format === 'cmaf-hls' ? renderCmafMaster({ renditions, independentSegments, text: cmafText }) : renderMpd({ renditions, independentSegments, text: cmafText });
  }

  private async describe(req: MasterRequest): Promise<DescribedSet> {
    const { planner, log, source } = this.deps;
    const members = await loadMembers(source, planner, sourceRelsOf(req));
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
    const key = sourceKey(member.src);
    let facts = this.facts.get(key);
    if (!facts) {
      facts = variantFacts(member.movie, member.plan.segments, member.plan.shift90k);
      this.facts.set(key, facts, 0);
    }
    const iframeUri = iframePlaylists && facts.iframe ? base + IFRAME_PLAYLIST_NAME : undefined;
    return { uri: base + MEDIA_PLAYLIST_NAME, ...(iframeUri ? { iframeUri } : {}), facts };
  }

  /** The masters' text renditions, when the packager makes subtitle files (see master-text.ts). */
  private async textMedia(req: MasterRequest, usable: readonly UsableMember[], variants: readonly MasterVariant[]): Promise<MasterText> {
    const { config, packager, subtitles } = this.deps;
    if (!subtitles || !isCmafPackager(packager)) return undefined;
    return masterTextMedia({ config, source: this.deps.source, catalog: subtitles, from: req.type === 'set' ? 'set' : 'rendition', members: usable.map((m, k) => ({ src: m.src, movie: m.movie, variantUri: variants[k].uri })) });
  }

  /** EXT-X-INDEPENDENT-SEGMENTS only for what the builtin planner cut at IDR pictures itself. */
  private independent(usable: readonly UsableMember[]): boolean {
    return this.deps.packager.name === 'builtin' && usable.every((m) => m.plan.independentSegments);
  }

  /** Writes and records the master; returns its text instead when a rendition is missing (nothing cached then). */
  private async build(req: MasterRequest): Promise<string | undefined> {
    const { config, store, packager } = this.deps;
    if (masterFormatOf(req) !== 'ts') requireCmafPackager(packager);
    const { members, usable, variants } = await this.describe(req);
    const text = this.render(req, usable, variants, await this.textMedia(req, usable, variants));
    if (members.some((m) => m.state === 'missing')) {
      // A master cached before the rendition went away would go on answering as a hit: it goes.
      await unlinkCacheFiles(config.cacheDir, [req.cachePath]);
      this.deps.log.debug({ master: req.cachePath, variants: variants.length }, 'answered master without caching it: a rendition is missing');
      return text;
    }
    // Package rows anchor the master: a later replacement of any member creates a new row, which drops the master.
    let packageId: number | null = null;
    const packages: PackageRow[] = [];
    for (const member of usable) {
      const segmentCount = packager.granularity === 'segment' ? member.plan.segments.length : null;
      const renditionDir = renditionCacheDir(config.urlPrefix, member.src.relPath);
      const claim = { store, cacheDir: config.cacheDir, source: this.deps.source, src: member.src, renditionDir, packager: packager.name, granularity: packager.granularity, segmentCount };
      const pkg = await claimPackage({ ...claim, keep: req.cachePath });
      if (req.type === 'rendition') packageId = pkg.id;
      packages.push(pkg);
    }
    // Published only while every rendition it describes is still the package it was described from.
    const file = await prepareBytes(config.cacheDir, req.cachePath, text);
    const record = () => store.recordMaster({ path: req.cachePath, packageId, kind: 'master', bytes: file.bytes }, members.map(memberRecord));
    await publishGeneration({ store, cacheDir: config.cacheDir, packages, files: [file], record });
    this.deps.log.info({ master: req.cachePath, variants: variants.length, leftOut: members.length - usable.length }, 'wrote master playlist');
    return undefined;
  }
}
