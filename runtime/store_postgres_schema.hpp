// The PostgreSQL store's schema, one constant per version, each run in order in one transaction
// under the store's lock (store_postgres.cpp). Private to the PostgreSQL store. Its version 1
// holds what the SQLite store's first eight hold, as one: the PostgreSQL store began with all of
// it; version 2 is SQLite's 9.
#pragma once

namespace vflow::runtime::postgres_schema {

// Version 1. Times are integers (ms since the epoch), JSON is text as written (the hash chain
// covers it byte for byte).
constexpr const char* schema_v1 = R"sql(
CREATE TABLE definitions (
  hash        TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  version     BIGINT NOT NULL,
  stream      TEXT NOT NULL,
  source      TEXT NOT NULL,
  source_name TEXT NOT NULL,
  deployed_at BIGINT NOT NULL,
  imports     TEXT NOT NULL DEFAULT '[]',
  seal        TEXT NOT NULL DEFAULT '',
  UNIQUE (name, version)
);
CREATE TABLE current_definitions (
  name  TEXT PRIMARY KEY,
  hash  TEXT NOT NULL REFERENCES definitions (hash),
  since BIGINT NOT NULL
);
CREATE TABLE instances (
  id            TEXT PRIMARY KEY,
  definition    TEXT NOT NULL REFERENCES definitions (hash),
  workflow      TEXT NOT NULL,
  lifecycle     TEXT NOT NULL,
  configuration TEXT NOT NULL,
  data          TEXT NOT NULL,
  seq           BIGINT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  memory        TEXT NOT NULL DEFAULT '{}',
  next_due      BIGINT
);
CREATE INDEX instances_by_workflow ON instances (workflow, lifecycle);
CREATE INDEX instances_by_due ON instances (next_due) WHERE next_due IS NOT NULL;
CREATE INDEX instances_by_created ON instances (created_at, id);
CREATE INDEX instances_by_workflow_created ON instances (workflow, created_at, id);
CREATE TABLE journal (
  gseq        BIGINT PRIMARY KEY,
  instance    TEXT NOT NULL REFERENCES instances (id),
  seq         BIGINT NOT NULL,
  definition  TEXT NOT NULL REFERENCES definitions (hash),
  kind        TEXT NOT NULL,
  event       TEXT,
  params      TEXT NOT NULL,
  actor       TEXT,
  event_id    TEXT,
  at          BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  from_config TEXT NOT NULL,
  to_config   TEXT NOT NULL,
  changes     TEXT NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT,
  detail      TEXT NOT NULL,
  lifecycle   TEXT NOT NULL,
  cause       BIGINT,
  hash        TEXT NOT NULL,
  UNIQUE (instance, seq)
);
CREATE UNIQUE INDEX journal_by_event_id ON journal (instance, event_id) WHERE event_id IS NOT NULL;
CREATE INDEX journal_by_time ON journal (at);
CREATE INDEX journal_by_actor ON journal (actor, gseq) WHERE actor IS NOT NULL;
CREATE INDEX journal_by_event ON journal (event, gseq) WHERE event IS NOT NULL;
CREATE INDEX journal_by_kind ON journal (kind, outcome, gseq);
CREATE TABLE links (
  source  TEXT NOT NULL REFERENCES instances (id),
  name    TEXT NOT NULL,
  target  TEXT NOT NULL REFERENCES instances (id),
  made_at BIGINT NOT NULL,
  PRIMARY KEY (source, name, target)
);
CREATE INDEX links_by_target ON links (target);
CREATE TABLE journal_notes (
  id        BIGSERIAL PRIMARY KEY,
  at        BIGINT NOT NULL,
  kind      TEXT NOT NULL,
  upto_gseq BIGINT NOT NULL,
  text      TEXT NOT NULL
);
-- History cannot be rewritten through SQL: the journal, its notes and deployed definitions are
-- append-only (privileges say the same to a role that is not the owner: docs/postgresql.md).
CREATE FUNCTION vflow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'VF001';
END;
$$;
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal
  FOR EACH STATEMENT EXECUTE FUNCTION vflow_append_only();
CREATE TRIGGER journal_notes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON journal_notes
  FOR EACH STATEMENT EXECUTE FUNCTION vflow_append_only();
CREATE TRIGGER definitions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON definitions
  FOR EACH STATEMENT EXECUTE FUNCTION vflow_append_only();
-- The documented views of `vflow query` (docs/audit.md), in a schema of their own.
CREATE SCHEMA vflow_audit;
CREATE FUNCTION vflow_audit.iso(ms BIGINT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS
  $$ SELECT to_char(to_timestamp(ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;
CREATE VIEW vflow_audit.definitions AS
  SELECT d.name AS workflow, d.version, d.stream, d.hash, vflow_audit.iso(d.deployed_at) AS deployed_at,
         d.deployed_at AS deployed_ms, d.source_name AS file, (c.hash IS NOT NULL) AS current
  FROM definitions AS d LEFT JOIN current_definitions AS c ON c.hash = d.hash;
CREATE VIEW vflow_audit.instances AS
  SELECT i.id, i.workflow, d.version, d.stream, i.definition, i.lifecycle,
         i.configuration AS states, i.data, i.seq AS records,
         vflow_audit.iso(i.created_at) AS created_at, i.created_at AS created_ms,
         vflow_audit.iso(i.updated_at) AS updated_at, i.updated_at AS updated_ms,
         vflow_audit.iso(i.next_due) AS next_due
  FROM instances AS i JOIN definitions AS d ON d.hash = i.definition;
CREATE VIEW vflow_audit.journal AS
  SELECT j.gseq, j.instance, j.seq, d.name AS workflow, d.version, d.stream, j.kind, j.event,
         j.params, j.actor, j.event_id, vflow_audit.iso(j.at) AS at, j.at AS at_ms,
         vflow_audit.iso(j.recorded_at) AS recorded_at, j.recorded_at AS recorded_ms,
         j.from_config AS from_states, j.to_config AS to_states, j.changes, j.outcome, j.reason,
         j.detail::jsonb ->> 'reason_code' AS reason_code,
         (SELECT t ->> 'policy' FROM jsonb_array_elements(j.detail::jsonb -> 'trace') AS t
           WHERE t ->> 'kind' = 'deny' AND (t -> 'result') = 'true'::jsonb LIMIT 1) AS policy,
         j.detail::jsonb #>> '{timer,state}' AS timer_state,
         j.detail::jsonb #>> '{timer,after}' AS timer_after,
         j.detail::jsonb #>> '{timer,due}' AS timer_due,
         j.lifecycle, j.cause, j.detail, j.hash
  FROM journal AS j JOIN definitions AS d ON d.hash = j.definition;
CREATE VIEW vflow_audit.links AS
  SELECT l.source, s.workflow AS source_workflow, l.name AS link, l.target,
         t.workflow AS target_workflow, vflow_audit.iso(l.made_at) AS made_at, l.made_at AS made_ms
  FROM links AS l JOIN instances AS s ON s.id = l.source JOIN instances AS t ON t.id = l.target;
CREATE VIEW vflow_audit.timers AS
  SELECT i.id AS instance, i.workflow, t ->> 'state' AS state, t ->> 'after' AS after,
         vflow_audit.iso((t ->> 'due_ms')::bigint) AS due, (t ->> 'due_ms')::bigint AS due_ms,
         i.lifecycle
  FROM instances AS i, jsonb_array_elements(coalesce(i.memory::jsonb -> 'timers', '[]'::jsonb)) AS t;
CREATE VIEW vflow_audit.notes AS
  SELECT vflow_audit.iso(at) AS at, kind, upto_gseq, text FROM journal_notes;
)sql";

// Version 2: the states each instance is in, indexed for `list --state` and `find --state` (the
// first page of a state's instances, in creation order, without reading every configuration).
// Derived from `instances.configuration` by a trigger, so that no path that writes an instance
// can forget it; an update that keeps the configuration touches nothing here.
constexpr const char* schema_v2 = R"sql(
CREATE TABLE instance_states (
  state      TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  instance   TEXT NOT NULL,
  PRIMARY KEY (state, created_at, instance)
);
CREATE INDEX instance_states_by_instance ON instance_states (instance);
CREATE FUNCTION vflow_instance_states() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM instance_states WHERE instance = OLD.id;
  END IF;
  INSERT INTO instance_states (state, created_at, instance)
    SELECT DISTINCT s, NEW.created_at, NEW.id
    FROM jsonb_array_elements_text(NEW.configuration::jsonb) AS s;
  RETURN NULL;
END $$;
CREATE TRIGGER instance_states AFTER INSERT ON instances
  FOR EACH ROW EXECUTE FUNCTION vflow_instance_states();
-- The WHEN is checked by the server without calling the function: a step that keeps the
-- configuration costs nothing here.
CREATE TRIGGER instance_states_moved AFTER UPDATE OF configuration ON instances
  FOR EACH ROW WHEN (OLD.configuration IS DISTINCT FROM NEW.configuration)
  EXECUTE FUNCTION vflow_instance_states();
INSERT INTO instance_states (state, created_at, instance)
  SELECT DISTINCT s, i.created_at, i.id
  FROM instances AS i, jsonb_array_elements_text(i.configuration::jsonb) AS s;
)sql";

}  // namespace vflow::runtime::postgres_schema
