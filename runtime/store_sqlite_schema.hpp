// The SQLite store's schema, one constant per version; each migration runs in order, in one
// transaction (store_sqlite.cpp). Every statement is idempotent so that a racing creator is
// harmless. Private to the SQLite store.
#pragma once

namespace vflow::runtime::sqlite_schema {

// Version 1 of the schema. Every statement is idempotent so a racing creator is harmless.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE IF NOT EXISTS definitions (
  hash        TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  version     INTEGER NOT NULL,
  stream      TEXT NOT NULL,
  source      TEXT NOT NULL,
  source_name TEXT NOT NULL,
  deployed_at INTEGER NOT NULL,
  UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS instances (
  id            TEXT PRIMARY KEY,
  definition    TEXT NOT NULL REFERENCES definitions (hash),
  workflow      TEXT NOT NULL,
  lifecycle     TEXT NOT NULL,
  configuration TEXT NOT NULL,
  data          TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_workflow ON instances (workflow, lifecycle);
CREATE TABLE IF NOT EXISTS journal (
  gseq        INTEGER PRIMARY KEY AUTOINCREMENT,
  instance    TEXT NOT NULL REFERENCES instances (id),
  seq         INTEGER NOT NULL,
  definition  TEXT NOT NULL REFERENCES definitions (hash),
  kind        TEXT NOT NULL,
  event       TEXT,
  params      TEXT NOT NULL,
  actor       TEXT,
  event_id    TEXT,
  at          INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  from_config TEXT NOT NULL,
  to_config   TEXT NOT NULL,
  changes     TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT,
  detail      TEXT NOT NULL,
  lifecycle   TEXT NOT NULL,
  UNIQUE (instance, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS journal_by_event_id ON journal (instance, event_id)
  WHERE event_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_by_time ON journal (at);
-- The journal is append-only: history cannot be rewritten through SQL either.
CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
  BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
)sql";

// Version 2: instances remember engine state besides data (rule conditions, later timers).
constexpr const char* schema_v2 = R"sql(
ALTER TABLE instances ADD COLUMN memory TEXT NOT NULL DEFAULT '{}';
)sql";

// Version 3: the earliest armed timer of each instance, indexed for `tick`.
constexpr const char* schema_v3 = R"sql(
ALTER TABLE instances ADD COLUMN next_due INTEGER;
CREATE INDEX IF NOT EXISTS instances_by_due ON instances (next_due) WHERE next_due IS NOT NULL;
)sql";

// Version 4: which version of each workflow is current (deployed last), so that deploying an
// older source again makes it current without a new version.
constexpr const char* schema_v4 = R"sql(
CREATE TABLE IF NOT EXISTS current_definitions (
  name  TEXT PRIMARY KEY,
  hash  TEXT NOT NULL REFERENCES definitions (hash),
  since INTEGER NOT NULL
);
INSERT OR IGNORE INTO current_definitions (name, hash, since)
  SELECT name, hash, deployed_at FROM definitions AS d
  WHERE version = (SELECT max(version) FROM definitions WHERE name = d.name);
)sql";

// Version 5: links between instances, what a definition was checked against, and the cause of
// a journal record (the send or spawn that made it).
constexpr const char* schema_v5 = R"sql(
CREATE TABLE IF NOT EXISTS links (
  source  TEXT NOT NULL REFERENCES instances (id),
  name    TEXT NOT NULL,
  target  TEXT NOT NULL REFERENCES instances (id),
  made_at INTEGER NOT NULL,
  PRIMARY KEY (source, name, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS links_by_target ON links (target);
ALTER TABLE definitions ADD COLUMN imports TEXT NOT NULL DEFAULT '[]';
ALTER TABLE journal ADD COLUMN cause INTEGER;
)sql";

// Version 6: the hash chain. Every record keeps its hash (runtime/chain.hpp); records written
// before are chained by the migration, which notes so. Definitions cannot be changed through SQL
// either (they are also re-verified against their hash whenever loaded).
constexpr const char* schema_v6 = R"sql(
ALTER TABLE journal ADD COLUMN hash TEXT;
CREATE TABLE IF NOT EXISTS journal_notes (
  at        INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  upto_gseq INTEGER NOT NULL,
  text      TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS journal_notes_no_update BEFORE UPDATE ON journal_notes
  BEGIN SELECT RAISE(ABORT, 'journal notes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS journal_notes_no_delete BEFORE DELETE ON journal_notes
  BEGIN SELECT RAISE(ABORT, 'journal notes are append-only'); END;
CREATE TRIGGER IF NOT EXISTS definitions_no_update BEFORE UPDATE ON definitions
  BEGIN SELECT RAISE(ABORT, 'deployed definitions cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS definitions_no_delete BEFORE DELETE ON definitions
  BEGIN SELECT RAISE(ABORT, 'deployed definitions cannot be changed'); END;
)sql";

// Version 7: indexes for `find` (records by actor, event, kind and outcome, in journal order;
// instances in creation order).
constexpr const char* schema_v7 = R"sql(
CREATE INDEX IF NOT EXISTS journal_by_actor ON journal (actor, gseq) WHERE actor IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_by_event ON journal (event, gseq) WHERE event IS NOT NULL;
CREATE INDEX IF NOT EXISTS journal_by_kind ON journal (kind, outcome, gseq);
CREATE INDEX IF NOT EXISTS instances_by_created ON instances (created_at, id);
CREATE INDEX IF NOT EXISTS instances_by_workflow_created ON instances (workflow, created_at, id);
)sql";

// Version 8: each definition's seal, a hash over its hash and the signatures it was checked
// against (imports), which decide its meaning too (runtime/chain.hpp); definitions deployed
// before are sealed by the migration, which notes so.
constexpr const char* schema_v8 = R"sql(
ALTER TABLE definitions ADD COLUMN seal TEXT NOT NULL DEFAULT '';
)sql";

// Version 9: the states each instance is in, indexed for `list --state` and `find --state` (the
// first page of a state's instances, in creation order, without reading every configuration).
// Derived from `instances.configuration` by triggers, so that no path that writes an instance
// can forget it; an update that keeps the configuration (a self-transition, a data change)
// touches nothing here.
constexpr const char* schema_v9 = R"sql(
CREATE TABLE IF NOT EXISTS instance_states (
  state      TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  instance   TEXT NOT NULL,
  PRIMARY KEY (state, created_at, instance)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS instance_states_by_instance ON instance_states (instance);
CREATE TRIGGER IF NOT EXISTS instance_states_on_insert AFTER INSERT ON instances BEGIN
  INSERT OR IGNORE INTO instance_states (state, created_at, instance)
    SELECT value, new.created_at, new.id FROM json_each(new.configuration);
END;
CREATE TRIGGER IF NOT EXISTS instance_states_on_update AFTER UPDATE OF configuration ON instances
  WHEN old.configuration IS NOT new.configuration BEGIN
  DELETE FROM instance_states WHERE instance = old.id;
  INSERT OR IGNORE INTO instance_states (state, created_at, instance)
    SELECT value, new.created_at, new.id FROM json_each(new.configuration);
END;
INSERT OR IGNORE INTO instance_states (state, created_at, instance)
  SELECT j.value, i.created_at, i.id FROM instances AS i, json_each(i.configuration) AS j;
)sql";

}  // namespace vflow::runtime::sqlite_schema
