-- Least privilege on a vflow database in PostgreSQL (docs/postgresql.md). Run as the owner of
-- the schema (the role that ran the first `vflow deploy`), with psql:
--   psql "$OWNER_URL" -v app=vflow_app -v auditor=vflow_auditor -f docs/postgresql-grants.sql
-- The roles must exist (CREATE ROLE vflow_app LOGIN PASSWORD '...'; likewise the auditor).

-- The role CI runners and services run vflow as: it may append to the journal and read it, never
-- rewrite it (no UPDATE or DELETE on the journal, its notes or deployed definitions: besides the
-- triggers that refuse those, the privilege is not there).
GRANT SELECT ON vflow_schema TO :"app";
GRANT SELECT, INSERT ON definitions, journal, journal_notes TO :"app";
GRANT SELECT, INSERT, UPDATE ON instances, current_definitions TO :"app";
GRANT SELECT, INSERT, DELETE ON links TO :"app";
GRANT SELECT, INSERT, DELETE ON instance_states TO :"app";  -- written by the trigger on instances
GRANT USAGE ON SCHEMA vflow_audit TO :"app";
GRANT SELECT ON ALL TABLES IN SCHEMA vflow_audit TO :"app";

-- The role auditors run `vflow query` as: the documented views, nothing else (a query that names
-- a table directly is refused by PostgreSQL itself).
GRANT SELECT ON vflow_schema TO :"auditor";
GRANT USAGE ON SCHEMA vflow_audit TO :"auditor";
GRANT SELECT ON ALL TABLES IN SCHEMA vflow_audit TO :"auditor";
