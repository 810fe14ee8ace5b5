// Every SQL statement of CasterPak, named. Named parameters only (@name), never string concatenation.

/** One row per package with its files' totals (a package whose files are all gone still shows, with 0 files). */
const RENDITION_SUMMARY = `
  SELECT p.id AS package_id, p.source_path, p.packager, p.granularity, p.segment_count, p.created_ms,
         count(f.path) AS files, coalesce(sum(f.bytes), 0) AS bytes, coalesce(sum(f.hits), 0) AS hits,
         max(f.last_access_ms) AS last_access_ms
  FROM packages p LEFT JOIN cache_files f ON f.package_id = p.id
  GROUP BY p.id`;

export const SQL = {
  packageBySource: `SELECT * FROM packages WHERE source_path = @sourcePath`,
  /** The id is one above any id ever given (migration 5), so a deleted package's id never comes back. */
  insertPackage: `
    INSERT INTO packages (id, source_path, source_size, source_mtime_ms, packager, granularity, segment_count, created_ms)
    VALUES (
      (SELECT max(last_id, coalesce((SELECT max(id) FROM packages), 0)) + 1 FROM package_id_high WHERE id = 1),
      @sourcePath, @sourceSize, @sourceMtimeMs, @packager, @granularity, @segmentCount, @createdMs)
    RETURNING *`,
  /** The package still stands for the source as it was when the run began (ids are never reused). */
  packageIsCurrent: `
    SELECT 1 FROM packages
    WHERE id = @id AND source_path = @sourcePath AND source_size = @sourceSize
      AND source_mtime_ms = @sourceMtimeMs AND packager = @packager`,
  setSegmentCount: `UPDATE packages SET segment_count = @segmentCount WHERE id = @id`,
  deletePackage: `DELETE FROM packages WHERE id = @id`,
  filesOfPackage: `SELECT * FROM cache_files WHERE package_id = @packageId`,

  upsertFile: `
    INSERT INTO cache_files (path, package_id, kind, bytes, created_ms)
    VALUES (@path, @packageId, @kind, @bytes, @createdMs)
    ON CONFLICT (path) DO UPDATE SET
      package_id = excluded.package_id, kind = excluded.kind, bytes = excluded.bytes,
      created_ms = excluded.created_ms`,
  fileByPath: `SELECT * FROM cache_files WHERE path = @path`,
  deleteFile: `DELETE FROM cache_files WHERE path = @path`,
  /** Idempotent in time: replaying a line never moves last access backwards. */
  recordAccess: `
    UPDATE cache_files
    SET last_access_ms = max(coalesce(last_access_ms, 0), @accessMs), hits = hits + @hits
    WHERE path = @path`,

  insertMasterMember: `
    INSERT OR REPLACE INTO master_members (master_path, source_path, source_size, source_mtime_ms)
    VALUES (@masterPath, @sourcePath, @sourceSize, @sourceMtimeMs)`,
  deleteMasterMembers: `DELETE FROM master_members WHERE master_path = @masterPath`,
  membersOfMaster: `SELECT * FROM master_members WHERE master_path = @masterPath ORDER BY source_path`,
  mastersOfSource: `SELECT DISTINCT master_path FROM master_members WHERE source_path = @sourcePath`,

  // The log tailer (daemon/tail/): its position in the current log file and in rotated files.
  tailCursor: `SELECT * FROM tail_cursor WHERE id = 1`,
  upsertTailCursor: `
    INSERT INTO tail_cursor (id, log_path, dev, ino, offset, check_hash, size_seen, last_line_ms, updated_ms)
    VALUES (1, @logPath, @dev, @ino, @offset, @checkHash, @sizeSeen, @lastLineMs, @updatedMs)
    ON CONFLICT (id) DO UPDATE SET
      log_path = excluded.log_path, dev = excluded.dev, ino = excluded.ino, offset = excluded.offset,
      check_hash = excluded.check_hash, size_seen = excluded.size_seen,
      last_line_ms = coalesce(excluded.last_line_ms, tail_cursor.last_line_ms), updated_ms = excluded.updated_ms`,
  tailRotated: `SELECT * FROM tail_rotated ORDER BY rotated_ms`,
  upsertTailRotated: `
    INSERT INTO tail_rotated (dev, ino, offset, check_hash, size_seen, rotated_ms, updated_ms)
    VALUES (@dev, @ino, @offset, @checkHash, @sizeSeen, @rotatedMs, @updatedMs)
    ON CONFLICT (dev, ino) DO UPDATE SET
      offset = excluded.offset, check_hash = excluded.check_hash, size_seen = excluded.size_seen,
      rotated_ms = excluded.rotated_ms, updated_ms = excluded.updated_ms`,
  deleteTailRotated: `DELETE FROM tail_rotated WHERE dev = @dev AND ino = @ino`,
  addTailCounter: `
    INSERT INTO tail_counters (name, value) VALUES (@name, @value)
    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
  tailCounters: `SELECT name, value FROM tail_counters`,

  // Prune (daemon/prune/): reconcile, evict only what nobody touched since the plan, and report.
  allPackages: `SELECT * FROM packages`,
  allFiles: `SELECT * FROM cache_files`,
  /** Generations started since @sinceMs: an older one outlived the packaging timeout, its process died. */
  generationKeys: `SELECT key FROM generations WHERE started_ms >= @sinceMs`,
  fileUse: `SELECT created_ms, last_access_ms FROM cache_files WHERE path = @path`,
  /** A file regenerated since the plan has a new created_ms and is left alone. */
  deleteFileIfUnchanged: `DELETE FROM cache_files WHERE path = @path AND created_ms = @createdMs`,
  deletePackageIfUnchanged: `DELETE FROM packages WHERE id = @id AND created_ms = @createdMs`,
  /** A file found on disk with no row: a fresh inactivity window, never immediate deletion. */
  adoptFile: `
    INSERT INTO cache_files (path, package_id, kind, bytes, created_ms)
    VALUES (@path, @packageId, @kind, @bytes, @createdMs)
    ON CONFLICT (path) DO NOTHING`,
  cacheTotals: `
    SELECT count(*) AS files, coalesce(sum(bytes), 0) AS bytes, coalesce(sum(hits), 0) AS hits,
      min(coalesce(last_access_ms, created_ms)) AS oldest_use_ms, max(last_access_ms) AS newest_access_ms
    FROM cache_files`,
  packageCount: `SELECT count(*) AS packages FROM packages`,
  topRenditions: `
    SELECT p.source_path, p.packager, count(f.path) AS files, coalesce(sum(f.bytes), 0) AS bytes,
      coalesce(sum(f.hits), 0) AS hits, max(f.last_access_ms) AS last_access_ms
    FROM packages p LEFT JOIN cache_files f ON f.package_id = p.id
    GROUP BY p.id ORDER BY hits DESC, p.source_path LIMIT @limit`,

  startGeneration: `INSERT OR REPLACE INTO generations (key, pid, started_ms) VALUES (@key, @pid, @startedMs)`,
  endGeneration: `DELETE FROM generations WHERE key = @key`,
  clearGenerationsOfPid: `DELETE FROM generations WHERE pid = @pid`,

  counts: `
    SELECT
      (SELECT count(*) FROM packages) AS packages,
      (SELECT count(*) FROM cache_files) AS files,
      (SELECT coalesce(sum(bytes), 0) FROM cache_files) AS bytes`,
  ping: `SELECT 1`,

  // Operator views (daemon/store/operator-queries.ts): `ls`, `invalidate`, the status page and /metrics.
  renditionSummaries: `${RENDITION_SUMMARY} ORDER BY p.source_path`,
  /** Files below a folder of the cache; substr, not LIKE, so `%` and `_` in names match only themselves. */
  filesUnder: `SELECT * FROM cache_files WHERE substr(path, 1, length(@prefix)) = @prefix`,
  generationsUnder: `SELECT * FROM generations WHERE substr(key, 1, length(@prefix)) = @prefix OR key = @packageKey`,
  insertPruneRun: `
    INSERT INTO prune_runs (started_ms, finished_ms, dry_run, outcome, files_evicted, bytes_evicted, reason)
    VALUES (@startedMs, @finishedMs, @dryRun, @outcome, @filesEvicted, @bytesEvicted, @reason)`,
  addPruneTotals: `
    INSERT INTO prune_totals (id, runs, files_evicted, bytes_evicted, last_run_ms)
    VALUES (1, 1, @filesEvicted, @bytesEvicted, @finishedMs)
    ON CONFLICT (id) DO UPDATE SET
      runs = runs + 1, files_evicted = files_evicted + excluded.files_evicted,
      bytes_evicted = bytes_evicted + excluded.bytes_evicted, last_run_ms = max(last_run_ms, excluded.last_run_ms)`,
  trimPruneRuns: `DELETE FROM prune_runs WHERE id <= (SELECT max(id) FROM prune_runs) - @keep`,
  pruneTotals: `SELECT runs, files_evicted, bytes_evicted, last_run_ms FROM prune_totals WHERE id = 1`,
  recentPruneRuns: `SELECT * FROM prune_runs ORDER BY id DESC LIMIT @limit`,
} as const;
