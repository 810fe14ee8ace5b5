// Every SQL statement of CasterPak, named. Named parameters only (@name), never string concatenation.

export const SQL = {
  packageBySource: `SELECT * FROM packages WHERE source_path = @sourcePath`,
  insertPackage: `
    INSERT INTO packages (source_path, source_size, source_mtime_ms, packager, granularity, segment_count, created_ms)
    VALUES (@sourcePath, @sourceSize, @sourceMtimeMs, @packager, @granularity, @segmentCount, @createdMs)
    RETURNING *`,
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

  startGeneration: `INSERT OR REPLACE INTO generations (key, pid, started_ms) VALUES (@key, @pid, @startedMs)`,
  endGeneration: `DELETE FROM generations WHERE key = @key`,
  clearGenerationsOfPid: `DELETE FROM generations WHERE pid = @pid`,

  counts: `
    SELECT
      (SELECT count(*) FROM packages) AS packages,
      (SELECT count(*) FROM cache_files) AS files,
      (SELECT coalesce(sum(bytes), 0) FROM cache_files) AS bytes`,
} as const;
