-- When the whole file was last read through by `PRAGMA quick_check` (Unix seconds). Opening
-- the cache does not read it all: a full check runs after an unclean exit, and otherwise at
-- most once a day, from a sync (see `src/cache/health.rs`).
CREATE TABLE cache_health (
    id         INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    checked_at INTEGER NOT NULL
) STRICT;
