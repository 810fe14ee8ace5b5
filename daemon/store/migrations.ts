// Schema migrations, keyed by PRAGMA user_version. They only ever add: never edit a released step.

export const MIGRATIONS: readonly string[] = [
  // 1: packages, cache files with access times, the log tailer's cursor, generations in flight.
  `
  CREATE TABLE packages (
    id              INTEGER PRIMARY KEY,
    source_path     TEXT    NOT NULL UNIQUE,  -- relative to media_root, forward slashes
    source_size     INTEGER NOT NULL,
    source_mtime_ms INTEGER NOT NULL,
    packager        TEXT    NOT NULL,         -- builtin | mp42hls | ffmpeg
    granularity     TEXT    NOT NULL,         -- segment | rendition (the eviction unit)
    segment_count   INTEGER,
    created_ms      INTEGER NOT NULL
  );

  CREATE TABLE cache_files (
    path           TEXT    PRIMARY KEY,       -- relative to cache_dir, e.g. i/clip.mp4/segment1_0_av.ts
    package_id     INTEGER REFERENCES packages(id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL,          -- playlist | segment | master
    bytes          INTEGER NOT NULL,          -- on-disk size: st_blocks * 512
    created_ms     INTEGER NOT NULL,
    last_access_ms INTEGER,                   -- NULL until the first logged or served access
    hits           INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX cache_files_by_package ON cache_files(package_id);
  CREATE INDEX cache_files_by_recency ON cache_files(coalesce(last_access_ms, created_ms));

  CREATE TABLE tail_cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    log_path     TEXT    NOT NULL,
    dev          INTEGER NOT NULL,
    ino          INTEGER NOT NULL,
    offset       INTEGER NOT NULL,
    check_hash   TEXT    NOT NULL,           -- hash of the bytes just before offset (inode reuse check)
    size_seen    INTEGER NOT NULL,           -- file size at the last read, for the lag figure
    last_line_ms INTEGER,                    -- $msec of the newest line read
    updated_ms   INTEGER NOT NULL
  );

  CREATE TABLE generations (
    key        TEXT    PRIMARY KEY,          -- cache path or package source being generated
    pid        INTEGER NOT NULL,
    started_ms INTEGER NOT NULL
  );
  `,
  // 2: which sources each master playlist was built from, and what they were then (size and mtime; NULL when
  // the source was missing), so a master is rebuilt when one of them is replaced, added or removed.
  `
  CREATE TABLE master_members (
    master_path     TEXT    NOT NULL REFERENCES cache_files(path) ON DELETE CASCADE,
    source_path     TEXT    NOT NULL,         -- relative to media_root, forward slashes
    source_size     INTEGER,                  -- NULL: the source did not exist when the master was built
    source_mtime_ms INTEGER,
    PRIMARY KEY (master_path, source_path)
  );
  CREATE INDEX master_members_by_source ON master_members(source_path);
  `,
  // 3: the tailer's rotated files still being drained, and its lifetime line counters.
  `
  CREATE TABLE tail_rotated (
    dev          INTEGER NOT NULL,
    ino          INTEGER NOT NULL,
    offset       INTEGER NOT NULL,
    check_hash   TEXT    NOT NULL,           -- as tail_cursor.check_hash: finds the file again after a restart
    size_seen    INTEGER NOT NULL,
    rotated_ms   INTEGER NOT NULL,           -- when it stopped being the file at the log path
    updated_ms   INTEGER NOT NULL,
    PRIMARY KEY (dev, ino)
  );

  CREATE TABLE tail_counters (
    name  TEXT    PRIMARY KEY,               -- lines | hits | misses | ignored | bad | unmatched
    value INTEGER NOT NULL
  );
  `,
  // 4: prune's runs, for `casterpakd status`, the status page and /metrics (prune is a separate process).
  `
  CREATE TABLE prune_runs (
    id            INTEGER PRIMARY KEY,
    started_ms    INTEGER NOT NULL,
    finished_ms   INTEGER NOT NULL,
    dry_run       INTEGER NOT NULL,           -- 1: nothing was deleted, the figures say what would have been
    outcome       TEXT    NOT NULL,           -- ok | refused | failed
    files_evicted INTEGER NOT NULL,
    bytes_evicted INTEGER NOT NULL,           -- on-disk bytes, as cache_files.bytes
    reason        TEXT                        -- why a run was refused or failed
  );

  -- Lifetime totals of runs that deleted for real. prune_runs keeps only recent runs, and a Prometheus
  -- counter must never go backwards, so the totals live apart from the trimmed history.
  CREATE TABLE prune_totals (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    runs          INTEGER NOT NULL,
    files_evicted INTEGER NOT NULL,
    bytes_evicted INTEGER NOT NULL,
    last_run_ms   INTEGER NOT NULL
  );
  `,
  // 5: package ids are never reused. A segment run holds its package's id while it muxes and publishes only if
  // that id is still its source's current package; with SQLite's default rowid choice (largest id + 1), a
  // replaced package's id came back for the very next package and a stale run's files passed as the new
  // package's. AUTOINCREMENT would do it, but it can only be declared when a table is created: adding it
  // means rebuilding `packages` (new table, copy, drop, rename, while cache_files and master_members point
  // at it), which is not an additive step. Instead: a high-water mark of every id ever given, kept by a
  // trigger, from which insertPackage picks the next id (sql.ts).
  `
  CREATE TABLE package_id_high (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL                  -- the largest packages.id ever inserted
  );
  INSERT INTO package_id_high (id, last_id) SELECT 1, coalesce(max(id), 0) FROM packages;
  CREATE TRIGGER packages_id_high AFTER INSERT ON packages
  BEGIN
    UPDATE package_id_high SET last_id = max(last_id, NEW.id) WHERE id = 1;
  END;
  `,
];
