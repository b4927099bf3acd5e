--
-- mirror: it_glue_fdw_mirror keeps a local table in step with a foreign
-- table.  The simulator's log shows the requests of each run.
--
\set sim_url `echo "$ITGLUE_SIM_URL"`
SELECT sim_reset();

CREATE FOREIGN TABLE mirror_src (id bigint, name text, organization_status_id bigint,
  updated_at timestamptz) SERVER sim OPTIONS (resource 'organizations');
CREATE TABLE org_mirror (id bigint PRIMARY KEY, name text, organization_status_id bigint,
  updated_at timestamptz, note text);

-- The first run copies everything: the three list pages.
SELECT * FROM it_glue_fdw_mirror('mirror_src', 'org_mirror');
SELECT * FROM sim_requests();
SELECT count(*), sum(id) FROM org_mirror;

-- Nothing changed: the records at the newest updated_at (filter[updated_at])
-- and IT Glue's count; no row rewritten.
SELECT * FROM it_glue_fdw_mirror('mirror_src', 'org_mirror');
SELECT * FROM sim_requests();

-- Another client renames 5, creates one and deletes 7: the changes (two
-- records), the count, and, since the counts differ, one pass over the ids.
SELECT sim_api('PATCH', '/organizations/5', '{"data":{"type":"organizations","attributes":{"name":"Mirror Renamed Ltd"}}}');
SELECT sim_api('POST', '/organizations', '{"data":{"type":"organizations","attributes":{"name":"Mirror New Ltd","organization-type-id":1,"organization-status-id":1}}}');
SELECT sim_api('DELETE', '/organizations', '{"data":[{"type":"organizations","attributes":{"id":7}}]}');
SELECT sim_clear();
SELECT * FROM it_glue_fdw_mirror('mirror_src', 'org_mirror');
SELECT * FROM sim_requests();
SELECT id, name, organization_status_id FROM org_mirror WHERE id IN (5, 7, 2501) ORDER BY id;
-- The mirror holds exactly what IT Glue holds.
SELECT count(*) AS differences FROM (
  (SELECT id, name, organization_status_id, updated_at FROM mirror_src
   EXCEPT SELECT id, name, organization_status_id, updated_at FROM org_mirror)
  UNION ALL
  (SELECT id, name, organization_status_id, updated_at FROM org_mirror
   EXCEPT SELECT id, name, organization_status_id, updated_at FROM mirror_src)) d;
SELECT sim_clear();

-- Errors.
\set VERBOSITY terse
SELECT * FROM it_glue_fdw_mirror('org_mirror', 'org_mirror');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE bad_mirror (nothing int);
SELECT * FROM it_glue_fdw_mirror('mirror_src', 'bad_mirror');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
DROP TABLE bad_mirror;

DROP TABLE org_mirror;
DROP FOREIGN TABLE mirror_src;
SELECT sim_reset();
