--
-- copy: rows that reach an IT Glue table without a plan of their own --
-- COPY FROM, and tuple routing into a foreign partition -- are POSTed one
-- at a time, as INSERT does.  (These used to crash the backend, and with it
-- every session of the cluster.)
--
SELECT sim_reset();
SET timezone = 'UTC';
\set o itglue.organizations

-- ===================================================================
-- COPY FROM, text and CSV
-- ===================================================================
COPY :o (name, short_name, quick_notes) FROM STDIN;
Copy Alpha Ltd	CA	first line\nsecond line
Copy Beta Ltd	\N	tab\there
Copy Gamma Ltd	CG	\N
Copy Delta Ltd	\N	\N
Copy Epsilon Ltd	CE	"quoted"
\.
COPY :o (name, description) FROM STDIN (FORMAT csv, HEADER true);
name,description
"Csv, Comma Ltd","has, commas"
Csv Quote Ltd,"say ""hi"""
Csv Empty Ltd,
Csv Null Ltd,""
\.
SELECT * FROM sim_requests();
SELECT id, name, short_name, quick_notes, description FROM :o
 WHERE name LIKE 'Copy %' OR name LIKE 'Csv %' ORDER BY id;
SELECT count(*) FROM sim_requests();

-- Many rows: one POST each, in order, with exactly the row's values.
SELECT sim_clear();
COPY :o (name, short_name) FROM PROGRAM
  'awk ''BEGIN { for (i = 1; i <= 150; i++) printf "Bulk Text %03d Ltd\tBT%03d\n", i, i }''';
COPY :o (name, short_name) FROM PROGRAM
  'awk ''BEGIN { for (i = 1; i <= 150; i++) printf "\"Bulk, Csv %03d\",BC%03d\n", i, i }'''
  (FORMAT csv);
WITH r AS (SELECT row_number() OVER () AS n, r FROM sim_requests() r)
SELECT count(*) AS posts,
       count(*) FILTER (WHERE r = format('POST /organizations {"data":{"type":"organizations","attributes":{"name":"Bulk Text %s Ltd","short-name":"BT%s"}}}',
                                         lpad(n::text, 3, '0'), lpad(n::text, 3, '0'))
                           OR r = format('POST /organizations {"data":{"type":"organizations","attributes":{"name":"Bulk, Csv %s","short-name":"BC%s"}}}',
                                         lpad((n - 150)::text, 3, '0'), lpad((n - 150)::text, 3, '0'))) AS exact
  FROM r;
SELECT count(*), min(id), max(id) FROM :o WHERE name LIKE 'Bulk%';
SELECT sim_clear();

-- A row IT Glue refuses stops COPY; the error says what was already created.
SET client_min_messages = error;
COPY :o (name) FROM STDIN;
Copy Zeta Ltd
Copy Eta Ltd
Acme
Copy Never Sent Ltd
\.
RESET client_min_messages;
SELECT * FROM sim_requests();

-- Columns IT Glue fills itself, and read-only resources, are refused.
-- (psql does not set LAST_ERROR_SQLSTATE after COPY FROM STDIN: each is run
-- a second time with VERBOSITY sqlstate; none of them sends a request.)
COPY :o (id, name) FROM STDIN;
77	Explicit Id Ltd
\.
COPY itglue.configurations (name) FROM STDIN;
server01
\.
ALTER FOREIGN TABLE :o OPTIONS (ADD updatable 'false');
COPY :o (name) FROM STDIN;
Read Only Copy Ltd
\.
\set VERBOSITY sqlstate
COPY :o (name) FROM STDIN;
Read Only Copy Ltd
\.
ALTER FOREIGN TABLE :o OPTIONS (DROP updatable);
COPY :o (id, name) FROM STDIN;
77	Explicit Id Ltd
\.
COPY itglue.configurations (name) FROM STDIN;
server01
\.
\set VERBOSITY default
SELECT * FROM sim_requests();

-- A role with USAGE on the server but no user mapping gets the clean error.
CREATE ROLE itg_no_mapping;
GRANT USAGE ON SCHEMA itglue TO itg_no_mapping;
GRANT INSERT ON :o TO itg_no_mapping;
GRANT USAGE ON FOREIGN SERVER sim TO itg_no_mapping;
SET ROLE itg_no_mapping;
COPY :o (name) FROM STDIN;
No Mapping Ltd
\.
\set VERBOSITY sqlstate
COPY :o (name) FROM STDIN (FORMAT csv);
No Mapping Ltd
\.
\set VERBOSITY default
RESET ROLE;
SELECT * FROM sim_requests();

-- ===================================================================
-- Partitioned tables: drafts stay local, active organizations live in
-- IT Glue.  INSERT routes each row; UPDATE moves a draft into IT Glue.
-- ===================================================================
CREATE TABLE orgs_by_status (id bigint, name text, organization_status_id bigint,
                             quick_notes text)
  PARTITION BY LIST (organization_status_id);
CREATE TABLE orgs_draft PARTITION OF orgs_by_status FOR VALUES IN (4);
CREATE FOREIGN TABLE orgs_active PARTITION OF orgs_by_status FOR VALUES IN (1)
  SERVER sim OPTIONS (resource 'organizations');

-- EXPLAIN without ANALYZE sends nothing and needs no insert state.
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO orgs_by_status (name, organization_status_id) VALUES ('Planned Co', 1);
INSERT INTO orgs_by_status (name, organization_status_id, quick_notes)
VALUES ('Draft Co', 4, 'not yet in IT Glue'), ('Routed Co', 1, 'created by routing'),
       ('Second Draft Co', 4, NULL)
RETURNING id, name, organization_status_id, quick_notes;
SELECT * FROM sim_requests();
SELECT * FROM orgs_draft ORDER BY name;
-- EXPLAIN ANALYZE runs it: the routed row is POSTed.
SELECT * FROM explain('ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY OFF', $q$
INSERT INTO orgs_by_status (name, organization_status_id) VALUES ('Explained Co', 1)$q$);
SELECT * FROM sim_requests();

-- COPY into the partitioned table routes each row too.
COPY orgs_by_status (name, organization_status_id) FROM STDIN (FORMAT csv);
Copied Draft Co,4
Copied Routed Co,1
\.
SELECT * FROM sim_requests();

-- ON CONFLICT DO NOTHING through routing skips names already taken.
INSERT INTO orgs_by_status (name, organization_status_id) VALUES ('Acme', 1), ('Routed Two Co', 1)
ON CONFLICT DO NOTHING RETURNING id, name;
SELECT * FROM sim_requests();

-- An UPDATE that moves a draft into IT Glue: DELETE locally, POST there.
-- The condition on the partition key leaves the IT Glue partition out.
UPDATE orgs_by_status SET organization_status_id = 1
 WHERE organization_status_id = 4 AND name = 'Draft Co'
RETURNING id, name, organization_status_id, quick_notes;
SELECT * FROM sim_requests();
SELECT * FROM orgs_draft ORDER BY name;
SELECT id, name, organization_status_id, quick_notes FROM :o WHERE name = 'Draft Co';

-- When the UPDATE also updates the IT Glue partition, a moved row would be
-- read and updated again later in the statement: refused before any write.
UPDATE orgs_by_status SET organization_status_id = 1 WHERE name = 'Second Draft Co';
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
SELECT * FROM orgs_draft ORDER BY name;

-- A refused routed row: the error is INSERT's.
INSERT INTO orgs_by_status (name, organization_status_id) VALUES ('Acme', 1);
\echo :LAST_ERROR_SQLSTATE
SET ROLE itg_no_mapping;
INSERT INTO orgs_by_status (name, organization_status_id) VALUES ('No Mapping Co', 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT INSERT ON orgs_by_status TO itg_no_mapping;
SET ROLE itg_no_mapping;
INSERT INTO orgs_by_status (name, organization_status_id) VALUES ('No Mapping Co', 1);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM sim_requests();

DROP TABLE orgs_by_status;
REVOKE ALL ON :o FROM itg_no_mapping;
REVOKE ALL ON SCHEMA itglue FROM itg_no_mapping;
REVOKE ALL ON FOREIGN SERVER sim FROM itg_no_mapping;
DROP ROLE itg_no_mapping;
SELECT sim_reset();
