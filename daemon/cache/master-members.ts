// The renditions a master names → each one's parsed moov and plan, or why it is left out (missing or unusable).

import { CasterpakError, isCasterpakError } from '../errors.js';
import type { Movie } from '../mp4/types.js';
import type { MoviePlanner } from '../packagers/packager.js';
import type { SegmentPlan } from '../plan/types.js';
import type { SourceFile } from '../source/resolve.js';
import type { OpenSource, Source } from '../source/source.js';
import type { MasterMember } from '../store/store.js';

export type LoadedMember =
  | { readonly state: 'usable'; readonly src: SourceFile; readonly movie: Movie; readonly plan: SegmentPlan }
  | { readonly state: 'missing'; readonly sourceRel: string }
  | { readonly state: 'unusable'; readonly src: SourceFile; readonly error: CasterpakError };

async function loadMember(source: Source, planner: MoviePlanner, sourceRel: string): Promise<LoadedMember> {
  let opened: OpenSource;
  try {
    opened = await source.open(sourceRel);
  } catch (err) {
    if (isCasterpakError(err) && err.code === 'NOT_FOUND') return { state: 'missing', sourceRel };
    throw err;
  }
  // The member keeps the identity only: the source is closed once the moov is read.
  const src: SourceFile = { absPath: opened.absPath, relPath: opened.relPath, sizeBytes: opened.sizeBytes, mtimeMs: opened.mtimeMs };
  try {
    const { movie, plan } = await planner.plannedMovie(opened);
    return { state: 'usable', src, movie, plan };
  } catch (err) {
    // 422: the file is there but is not a rendition we can describe; anything else is our failure.
    if (isCasterpakError(err) && err.status === 422) return { state: 'unusable', src, error: err };
    throw err;
  } finally {
    await opened.close();
  }
}

/** Loads every member at once (a set names at most MAX_CSMIL_RENDITIONS), in the order given. */
export function loadMembers(source: Source, planner: MoviePlanner, sourceRels: readonly string[]): Promise<LoadedMember[]> {
  return Promise.all(sourceRels.map((rel) => loadMember(source, planner, rel)));
}

/** What the database keeps of each member, to notice later that one was replaced, added or removed. */
export function memberRecord(member: LoadedMember): MasterMember {
  if (member.state === 'missing') return { sourcePath: member.sourceRel, sizeBytes: null, mtimeMs: null };
  return { sourcePath: member.src.relPath, sizeBytes: member.src.sizeBytes, mtimeMs: member.src.mtimeMs };
}

/** None usable: 422 when at least one exists but cannot be packaged (its reason), 404 when all are missing. */
export function noUsableMember(members: readonly LoadedMember[], cachePath: string): CasterpakError {
  const unusable = members.find((m): m is Extract<LoadedMember, { state: 'unusable' }> => m.state === 'unusable');
  if (unusable) {
    return new CasterpakError(unusable.error.code, `no usable rendition: ${unusable.src.relPath}: ${unusable.error.message}`, { cachePath });
  }
  return new CasterpakError('NOT_FOUND', 'none of the renditions exists', { cachePath, renditions: members.length });
}

/** True when every recorded member still has the size and mtime it had (or is still missing). */
export async function membersUnchanged(source: Source, recorded: readonly MasterMember[]): Promise<boolean> {
  if (recorded.length === 0) return false;
  const checks = await Promise.all(
    recorded.map(async (member) => {
      const now = await source.resolve(member.sourcePath).catch(() => undefined);
      if (!now) return member.sizeBytes === null;
      return member.sizeBytes === now.sizeBytes && member.mtimeMs === Math.trunc(now.mtimeMs);
    }),
  );
  return checks.every(Boolean);
}
