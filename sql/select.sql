--
-- select: scans stream pages, rows come back exactly as IT Glue has them.
--
SELECT sim_reset();
-- Which records are read again for a cut value is tested here with the
-- record cache off (sql/reccache.sql tests the cache).
SET it_glue_fdw.record_cache_mb = 0;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- ===================================================================
-- The first organizations, every column
-- ===================================================================
SELECT * FROM itglue.organizations WHERE id <= 3 ORDER BY id;
SELECT id, name, parent_id, ancestor_ids, psa_id, psa_integration_type
  FROM itglue.organizations WHERE id <= 40 ORDER BY id;
-- Two full scans (id <= N is checked here, not sent).  A record whose
-- quick-notes the list may have cut is read again only when it passes the
-- conditions that do not read quick-notes (see below): none of ids 1 to 3.
SELECT count(*) FILTER (WHERE r LIKE '%page[number]=%') AS page_requests,
       count(*) FILTER (WHERE r ~ '^GET /organizations/\d+$') AS record_requests
  FROM sim_requests() r;

-- ===================================================================
-- Paging: 2,500 organizations in pages of 1000 (three requests)...
-- ===================================================================
SELECT count(*), count(DISTINCT id), min(id), max(id) FROM itglue.organizations;
SELECT * FROM sim_requests();

-- ...and in pages of 7 on a lookup table, and of 1.
CREATE FOREIGN TABLE statuses_small (id bigint, name text)
  SERVER sim OPTIONS (resource 'organization_statuses', page_size '3');
SELECT * FROM statuses_small ORDER BY id;
SELECT * FROM sim_requests();
ALTER FOREIGN TABLE statuses_small OPTIONS (SET page_size '1');
SELECT * FROM statuses_small ORDER BY id;
SELECT * FROM sim_requests();

-- A small page size over the whole table: 2500 / 700 = 4 pages.
CREATE FOREIGN TABLE orgs_700 (id bigint, name text)
  SERVER sim OPTIONS (page_size '700');
SELECT count(*), sum(id) FROM orgs_700;
SELECT * FROM sim_requests();

-- ===================================================================
-- Streaming: nothing is sent before the first row is wanted, and a
-- scan stops asking once the executor stops.
-- ===================================================================
EXPLAIN (COSTS OFF) SELECT * FROM orgs_700;
SELECT * FROM orgs_700 LIMIT 0;
SELECT * FROM sim_requests();
SELECT id, name FROM orgs_700 LIMIT 2;
SELECT * FROM sim_requests();
SELECT EXISTS (SELECT 1 FROM orgs_700 WHERE name LIKE 'Acme%');
SELECT * FROM sim_requests();

-- ===================================================================
-- Columns: by attribute option, default dash mapping, jsonb of all
-- attributes, and unknown attributes reading as NULL.
-- ===================================================================
CREATE FOREIGN TABLE org_cols (
  id bigint,
  nm text OPTIONS (attribute 'name'),
  short_name text,
  "quick-notes" text,
  no_such_attribute text,
  attributes jsonb
) SERVER sim;
SELECT id, nm, short_name, no_such_attribute, attributes->>'organization-type-name' AS type
  FROM org_cols WHERE id IN (1, 2) ORDER BY id;
SELECT jsonb_object_keys(attributes) FROM org_cols WHERE id = 1 ORDER BY 1;
SELECT * FROM sim_requests();

-- quick-notes is cut at 250 characters in lists; the show route has it all.
-- A value of 250 characters or more may have been cut, so that record is
-- read again: queries never see a shortened value.
SELECT count(*), max(length(quick_notes)) FROM itglue.organizations
 WHERE length(quick_notes) >= 250;
SELECT count(*) FILTER (WHERE r LIKE '%page[number]=%') AS page_requests,
       count(*) FILTER (WHERE r ~ '^GET /organizations/\d+$') AS record_requests
  FROM sim_requests() r;
SELECT id, length(quick_notes) FROM itglue.organizations WHERE id IN (21, 22, 23, 24) ORDER BY id;
CREATE FOREIGN TABLE org_all (id bigint, attributes jsonb) SERVER sim;
SELECT id, length(attributes->>'quick-notes') FROM org_all
 WHERE id IN (21, 22, 23, 24) ORDER BY id;
DROP FOREIGN TABLE org_all;
SELECT id, length(quick_notes) FROM itglue.organizations WHERE id = 21;
SELECT * FROM sim_requests();
-- With refetch_truncated 'false', list values are used as they are: one
-- request fewer per long note, and quick-notes may then be cut at 250.
CREATE FOREIGN TABLE orgs_cut (id bigint, quick_notes text)
  SERVER sim OPTIONS (refetch_truncated 'false');
SELECT id, length(quick_notes) FROM orgs_cut WHERE id IN (21, 22, 23) ORDER BY id;
SELECT * FROM sim_requests();
DROP FOREIGN TABLE orgs_cut;
-- Which records are read again: conditions that do not read a value lists
-- may cut are checked first on the list's values, and a record that fails
-- them (the executor would drop it) costs no request.  Of ids 20 to 25, the
-- long notes are 21, 22 and 23.
SELECT id, length(quick_notes) FROM itglue.organizations WHERE id BETWEEN 20 AND 25 ORDER BY id;
SELECT count(*) FILTER (WHERE r LIKE '%page[number]=%') AS page_requests,
       string_agg(r, ', ' ORDER BY r) FILTER (WHERE r ~ '^GET /organizations/\d+$') AS records_read_again
  FROM sim_requests() r;
-- A condition on quick-notes needs the whole value; the others still narrow.
SELECT id FROM itglue.organizations
 WHERE id BETWEEN 20 AND 25 AND quick_notes LIKE '%[100]%' ORDER BY id;
SELECT count(*) FILTER (WHERE r LIKE '%page[number]=%') AS page_requests,
       string_agg(r, ', ' ORDER BY r) FILTER (WHERE r ~ '^GET /organizations/\d+$') AS records_read_again
  FROM sim_requests() r;
-- A condition calling a volatile function is not evaluated twice, so it
-- cannot narrow: every long note in the table is read again.
SELECT count(quick_notes) FROM itglue.organizations
 WHERE id + (random() * 0)::int BETWEEN 20 AND 25;
SELECT count(*) FILTER (WHERE r LIKE '%page[number]=%') AS page_requests,
       count(*) FILTER (WHERE r ~ '^GET /organizations/\d+$') AS records_read_again
  FROM sim_requests() r;

-- Columns that are not cut cost no extra request.
SELECT count(*), max(length(name)) FROM itglue.organizations;
SELECT * FROM sim_requests();

-- ===================================================================
-- Rescans: a one-page result with no parameters is served again from
-- memory; a longer one is fetched again.
-- ===================================================================
CREATE TABLE wanted (id bigint);
INSERT INTO wanted VALUES (1), (2), (2500), (9999);
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
SELECT w.id, s.name FROM wanted w, LATERAL (SELECT * FROM statuses_small s
  WHERE s.id = w.id OFFSET 0) s ORDER BY 1;
SELECT w.id, s.name FROM wanted w, LATERAL (SELECT * FROM statuses_small s
  WHERE s.id = w.id OFFSET 0) s ORDER BY 1;
SELECT * FROM sim_requests();
-- A condition that cannot go to the API: the one page is read once.
SELECT w.id, s.name FROM wanted w, LATERAL (SELECT * FROM itglue.organization_statuses s
  WHERE s.id + 0 = w.id + 1 OFFSET 0) s ORDER BY 1;
SELECT * FROM sim_requests();
-- A computed value per outer row is sent like a plain one.
SELECT w.id, s.name FROM wanted w, LATERAL (SELECT * FROM itglue.organization_statuses s
  WHERE s.id = w.id + 1 OFFSET 0) s ORDER BY 1;
SELECT * FROM sim_requests();
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

-- The lookup tables join cleanly.
SELECT s.name AS status, count(*)
  FROM itglue.organizations o
  JOIN itglue.organization_statuses s ON s.id = o.organization_status_id
 GROUP BY 1 ORDER BY 1;
SELECT * FROM sim_requests() ORDER BY 1;

DROP TABLE wanted;
DROP FOREIGN TABLE statuses_small, orgs_700, org_cols;
