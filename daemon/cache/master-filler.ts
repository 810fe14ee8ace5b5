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
import { renderMasterPlaylist, type MasterVariant } from '../master/master-playlist.js';
import { renderMpd } from '../master/mpd.js';
import type { TextMedia } from '../master/text-media.js';
import { variantFacts, type VariantFacts } from '../master/variant.js';
import { audioGroupLines, withAudioGroup, type AudioGroup, type GroupedAudio } from '../master/audio-group.js';
import { trackPlaylistName, type TsTrack } from '../layout/track-files.js';
import { selectTrack } from '../plan/track-selection.js';
import { cmafVariant } from './master-cmaf-audio.js';
import { groupId, planAudio, type AudioPlan } from './master-audio.js';
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
  /** Which members are variants and which audio groups they play with. */
  readonly audio: AudioPlan<UsableMember>;
  /** Each variant member's MPEG-TS media playlist URI (`audio.variants`' order): what text renditions point at. */
  readonly variantUris: string[];
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
    const described = await this.describe(req);
    const keep = applyBitrateFilter(terms, this.tsVariants(req, described).map((v) => v.facts.mediaBps));
    if (keep.length === 0) throw new CasterpakError('NOT_FOUND', 'no rendition matches the b= filter', { cachePath: req.cachePath });
    return this.render(req, described, await this.textMedia(req, described, keep), keep);
  }

  /**
   * The text of the master as the request's format asks: the MPEG-TS master, the CMAF HLS master or the DASH MPD,
   * with the variants `keep` names (all by default) and every audio group they play with.
   */
  private render(req: MasterRequest, described: DescribedSet, text: MasterText, keep?: readonly number[]): string {
    const { audio, usable } = described;
    const kept = keep ?? audio.variants.map((_, i) => i);
    const format = masterFormatOf(req);
    const independentSegments = this.independent(usable);
    const groups = [...new Set(kept.map((i) => audio.groupOf[i]).filter((g): g is number => g !== undefined))];
    if (format === 'ts') {
      const mediaLines = groups.flatMap((g) => audioGroupLines(this.tsGroup(req, audio, g)));
      const variants = this.tsVariants(req, described);
      return renderMasterPlaylist({ variants: kept.map((i) => variants[i]), independentSegments, mediaLines, text: text?.ts });
    }
    requireCmafPackager(this.deps.packager);
    const { publicBaseUrl, urlPrefix } = this.deps.config;
    const baseOf = (m: UsableMember) => cmafBaseUri({ publicBaseUrl, urlPrefix, sourceRel: m.src.relPath, from: req.type === 'set' ? 'set' : 'rendition' });
    const renditions = kept.map((i) => cmafVariant(audio, i, baseOf));
    const cmafText = text?.cmaf;
    return format === 'cmaf-hls' ? renderCmafMaster({ renditions, independentSegments, text: cmafText }) : renderMpd({ renditions, independentSegments, text: cmafText });
  }

  /** The MPEG-TS renditions of audio group `g`: each track's own playlist, or an audio-only member's `index_0_av`. */
  private tsGroup(req: MasterRequest, audio: AudioPlan<UsableMember>, g: number): AudioGroup {
    const renditions = audio.groups[g].map((entry): GroupedAudio => {
      const base = this.tsBase(req, entry.member);
      const name = entry.tsTrack ? trackPlaylistName(entry.tsTrack) : MEDIA_PLAYLIST_NAME;
      return { label: entry.label, uri: base + name, facts: this.factsOf(entry.member, entry.tsTrack) };
    });
    return { id: groupId(audio.groups, g), renditions };
  }

  private tsBase(req: MasterRequest, member: UsableMember): string {
    const { publicBaseUrl, urlPrefix } = this.deps.config;
    return renditionBaseUri({ publicBaseUrl, urlPrefix, sourceRel: member.src.relPath, from: req.type === 'set' ? 'set' : 'rendition' });
  }

  /** The member's variant facts, or those of one of its tracks alone, measured once per source while it stays in memory. */
  private factsOf(member: UsableMember, track?: TsTrack): VariantFacts {
    const key = `${sourceKey(member.src)}\u0000${track ? trackPlaylistName(track) : ''}`;
    let facts = this.facts.get(key);
    if (!facts) {
      const view = track ? selectTrack(member.movie, member.plan, track) : member;
      if (!view) throw new CasterpakError('PACKAGER_FAILED', `${member.src.relPath} has no such track`, { track });
      facts = variantFacts(view.movie, view.plan.segments, view.plan.shift90k);
      this.facts.set(key, facts, 0);
    }
    return facts;
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
    // Files of one track alone are the builtin packager's: with another, every rendition is a variant as it is.
    const audio: AudioPlan<UsableMember> = this.deps.packager.granularity === 'segment' ? planAudio(usable) : { variants: usable, groupOf: usable.map(() => undefined), groups: [] };
    const variantUris = audio.variants.map((member, i) => this.tsBase(req, member) + this.variantPlaylist(member, audio.groupOf[i] !== undefined));
    return { members, usable, audio, variantUris };
  }

  /**
   * The MPEG-TS variants with their facts. Only the MPEG-TS master and `?b=` need them: the bit rates
   * come from a model of every TS segment (a pass over every sample), which the CMAF master and the MPD
   * never print, so those do without it.
   */
  private tsVariants(req: MasterRequest, described: DescribedSet): MasterVariant[] {
    const { audio } = described;
    return audio.variants.map((member, i) => {
      const g = audio.groupOf[i];
      return this.variant(req, member, g === undefined ? undefined : this.tsGroup(req, audio, g));
    });
  }

  /** The video alone (`index_0_v`) when the variant plays with an audio group and its file has audio of its own; else the rendition as it is. */
  private variantTrack(member: UsableMember, grouped: boolean): TsTrack | undefined {
    return grouped && member.movie.audio !== undefined ? { type: 'video' } : undefined;
  }

  private variantPlaylist(member: UsableMember, grouped: boolean): string {
    const track = this.variantTrack(member, grouped);
    return track ? trackPlaylistName(track) : MEDIA_PLAYLIST_NAME;
  }

  /** A variant alone, or its video alone (`index_0_v`) with the audio group it plays with. */
  private variant(req: MasterRequest, member: UsableMember, group?: AudioGroup): MasterVariant {
    const base = this.tsBase(req, member);
    const own = this.factsOf(member, this.variantTrack(member, group !== undefined));
    const facts = group ? withAudioGroup(own, group) : own;
    const iframeUri = this.deps.config.iframePlaylists && facts.iframe ? base + IFRAME_PLAYLIST_NAME : undefined;
    const uri = base + this.variantPlaylist(member, group !== undefined);
    return { uri, ...(iframeUri ? { iframeUri } : {}), facts, ...(group ? { audioGroup: group.id } : {}) };
  }

  /** The masters' text renditions for the variants `keep` names (all by default), when the packager makes subtitle files (see master-text.ts). */
  private async textMedia(req: MasterRequest, described: DescribedSet, keep?: readonly number[]): Promise<MasterText> {
    const { config, packager, subtitles, source } = this.deps;
    if (!subtitles || !isCmafPackager(packager)) return undefined;
    const kept = keep ?? described.audio.variants.map((_, i) => i);
    const members = kept.map((i) => ({ src: described.audio.variants[i].src, movie: described.audio.variants[i].movie, variantUri: described.variantUris[i] }));
    return masterTextMedia({ config, source, catalog: subtitles, from: req.type === 'set' ? 'set' : 'rendition', members });
  }

  /** EXT-X-INDEPENDENT-SEGMENTS only for what the builtin planner cut at IDR pictures itself. */
  private independent(usable: readonly UsableMember[]): boolean {
    return this.deps.packager.name === 'builtin' && usable.every((m) => m.plan.independentSegments);
  }

  /** Writes and records the master; returns its text instead when a rendition is missing (nothing cached then). */
  private async build(req: MasterRequest): Promise<string | undefined> {
    const { config, store, packager } = this.deps;
    if (masterFormatOf(req) !== 'ts') requireCmafPackager(packager);
    const described = await this.describe(req);
    const { members, usable } = described;
    const variantCount = described.audio.variants.length;
    const text = this.render(req, described, await this.textMedia(req, described));
    if (members.some((m) => m.state === 'missing')) {
      // A master cached before the rendition went away would go on answering as a hit: it goes, and its row
      // with it, as for a master never cached.
      await unlinkCacheFiles(config.cacheDir, [req.cachePath]);
      await store.retryWhileLocked(() => store.forgetFile(req.cachePath));
      this.deps.log.debug({ master: req.cachePath, variants: variantCount }, 'answered master without caching it: a rendition is missing');
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
    this.deps.log.info({ master: req.cachePath, variants: variantCount, leftOut: members.length - usable.length }, 'wrote master playlist');
    return undefined;
  }
}
