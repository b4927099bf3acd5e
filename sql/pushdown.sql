--
-- pushdown: conditions the API can answer go out as filter[...]
-- parameters; every condition is still checked locally, so the rows are
-- right whatever the API does with a filter.
--
SELECT sim_reset();
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set o itglue.organizations

-- ===================================================================
-- id: =, IN, = ANY; one id uses the show route
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, name FROM :o WHERE id = 4;
SELECT id, name FROM :o WHERE id = 4;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, name FROM :o WHERE id IN (4, 2, 4, 3);
SELECT id, name FROM :o WHERE id IN (4, 2, 4, 3) ORDER BY id;
SELECT id, name FROM :o WHERE id = ANY (ARRAY[7, 9999]) ORDER BY id;
SELECT id, name FROM :o WHERE id = 99999;
SELECT * FROM sim_requests();

-- ORs of equalities on one column are one list too.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM :o WHERE id = 3 OR id = 5 OR 7 = id OR id = 3;
SELECT id, name FROM :o WHERE id = 3 OR id = 5 OR 7 = id OR id = 3 ORDER BY id;
SELECT id, name FROM :o WHERE name = 'Acme' OR name = 'Kub' ORDER BY id;
-- An OR across columns cannot be one filter: local.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM :o WHERE id = 3 OR name = 'Kub';
SELECT * FROM sim_requests();

-- <> and NOT IN become filter[exclude][...]
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM :o WHERE id NOT IN (1, 2) AND organization_status_id <> 3;
SELECT count(*) FROM :o WHERE id NOT IN (1, 2) AND organization_status_id <> 3;
SELECT * FROM sim_requests();

-- ===================================================================
-- name: commas are escaped; names differing only by case come back
-- exactly as asked, even when the API matches loosely
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM :o WHERE name = 'Kub, Reynolds and Gibson';
SELECT id, name FROM :o WHERE name = 'Kub, Reynolds and Gibson';
SELECT id, name FROM :o WHERE name = 'O''Brien & Sons';
SELECT id, name FROM :o WHERE name = '100% Uptime + More #1 = Best?';
SELECT id, name FROM :o WHERE name = 'Zoë''s Café Ünïcødé';
SELECT id, name FROM :o WHERE name IN ('Acme Corp', 'Smith [Holdings] Ltd') ORDER BY id;
SELECT * FROM sim_requests();
SELECT * FROM sim_requests_raw();
SELECT id, name FROM :o WHERE name = 'Kub, Reynolds and Gibson';
SELECT * FROM sim_requests_raw();

-- A backslash's meaning to the API is undocumented: that name is not sent.
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM :o WHERE name = 'Back\slash IT';
SELECT id, name FROM :o WHERE name = 'Back\slash IT';
SELECT * FROM sim_requests();

-- The API in partial, case-insensitive match mode: same rows.
SELECT sim_config('{"name_match": "partial_ci"}');
SELECT id, name FROM :o WHERE name = 'Acme Corp';
SELECT id, name FROM :o WHERE name = 'Acme';
SELECT id, name FROM :o WHERE name = 'Kub';
SELECT * FROM sim_requests();

-- The API ignoring a filter altogether: same rows.
SELECT sim_config('{"name_match": "exact", "ignore_filters": ["filter[name]", "filter[organization_type_id]", "filter[id]"]}');
SELECT id, name FROM :o WHERE name = 'ACME Corp';
SELECT count(*) FROM :o WHERE organization_type_id = 3;
SELECT id FROM :o WHERE id IN (5, 6) ORDER BY id;
SELECT * FROM sim_requests();
SELECT sim_config('{"ignore_filters": []}');
SELECT count(*) FROM :o WHERE organization_type_id = 3;
SELECT * FROM sim_requests();

-- ===================================================================
-- type, status and MyGlue ids
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE organization_type_id IN (1, 2) AND organization_status_id = 1
  AND my_glue_account_id = 7;
SELECT count(*) FROM :o WHERE organization_type_id IN (1, 2) AND organization_status_id = 1;
SELECT id, name, my_glue_account_id FROM :o WHERE my_glue_account_id IN (7, 8) ORDER BY id;
SELECT * FROM sim_requests();

-- ===================================================================
-- psa_id goes only together with psa_integration_type
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE psa_id = '1001' AND psa_integration_type = 'manage';
SELECT id, name, psa_integration_type FROM :o
 WHERE psa_id = '1001' AND psa_integration_type = 'manage';
EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM :o WHERE psa_id = '1001';
SELECT id, name, psa_integration_type FROM :o WHERE psa_id = '1001' ORDER BY id;
SELECT * FROM sim_requests();

-- ===================================================================
-- created_at / updated_at ranges, in UTC whatever the session's zone
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE created_at >= '2015-04-01' AND created_at < '2015-07-01';
SELECT id, created_at FROM :o WHERE created_at >= '2015-04-01' AND created_at < '2015-07-01'
 ORDER BY id;
SET timezone = 'Pacific/Auckland';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE updated_at > '2015-05-20 12:34:34.5+12';
SELECT id, updated_at FROM :o WHERE updated_at > '2015-05-20 12:34:34.5+12' AND id < 5;
SELECT id FROM :o WHERE created_at = '2015-04-24 12:32:34+12';
RESET timezone;
SELECT * FROM sim_requests();

-- ===================================================================
-- Parameters: prepared statements, generic plans, NULLs
-- ===================================================================
PREPARE by_id(bigint) AS SELECT id, name FROM :o WHERE id = $1;
PREPARE by_name(text) AS SELECT id, name FROM :o WHERE name = $1;
PREPARE by_ids(bigint[]) AS SELECT id FROM :o WHERE id = ANY ($1) ORDER BY id;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_id(2);
EXECUTE by_id(2);
EXECUTE by_id(3);
EXECUTE by_id(NULL);
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE by_name('Acme Corp');
EXECUTE by_name('Acme Corp');
EXECUTE by_name('Kub, Reynolds and Gibson');
EXECUTE by_ids('{5,6,NULL}');
EXECUTE by_ids('{}');
EXECUTE by_ids(NULL);
SELECT * FROM sim_requests();
RESET plan_cache_mode;
DEALLOCATE ALL;

-- ===================================================================
-- Conditions that can match nothing send nothing
-- ===================================================================
SELECT id FROM :o WHERE id = ANY ('{}'::bigint[]);
SELECT id FROM :o WHERE id = NULL::bigint;
SELECT id FROM :o WHERE id NOT IN (1, NULL);
SELECT * FROM sim_requests();

-- ===================================================================
-- A long IN list is split so that every URL stays short
-- ===================================================================
SELECT count(*), min(id), max(id) FROM :o
 WHERE id = ANY (ARRAY(SELECT g FROM generate_series(1, 2000, 3) g));
SELECT count(*) AS requests, max(length(r)) < 2100 AS short_urls FROM sim_requests() r;

-- ===================================================================
-- The same machinery serves the other resources
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, name FROM itglue.configurations WHERE organization_id IN (2, 3) AND id <> 1;
SELECT count(id) FROM itglue.configurations WHERE organization_id IN (2, 3);
SELECT id, organization_id, name FROM itglue.contacts WHERE organization_id = 2 ORDER BY id;
SELECT * FROM sim_requests();

-- ===================================================================
-- Conditions the API cannot answer stay local
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE name ILIKE 'acme%' OR id = 3;
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE lower(name) = 'acme corp' AND parent_id = 17;
SELECT id, name FROM :o WHERE lower(name) = 'acme corp' ORDER BY id;
SELECT id, name FROM :o WHERE name > 'Zz' ORDER BY name LIMIT 3;
SELECT count(*) FROM sim_requests();

-- ===================================================================
-- The lookup tables document only filter[name]: one id goes to the show
-- route, an id list is checked locally (filter[id] would be ignored, and
-- count(*) must not trust a total the filter did not narrow)
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, name FROM itglue.organization_types WHERE id = 3;
SELECT id, name FROM itglue.organization_types WHERE id = 3;
SELECT id, name FROM itglue.organization_statuses WHERE id = 2 AND name = 'Inactive';
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM itglue.organization_statuses WHERE id IN (1, 2);
SELECT count(*) FROM itglue.organization_statuses WHERE id IN (1, 2);
SELECT id, name FROM itglue.organization_types WHERE id IN (2, 5) ORDER BY id;
SELECT id, name FROM itglue.organization_types WHERE name = 'Vendor';
SELECT * FROM sim_requests();
