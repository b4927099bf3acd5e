--
-- outcomes: what a write may and may not rely on.  A value a list may have
-- cut is never written back; a write whose outcome is unknown says so; an
-- answer that is not the record written is refused.
--
SELECT sim_reset();
SET timezone = 'UTC';
\set o itglue.organizations
\set sim_url `echo "$ITGLUE_SIM_URL"`

-- ===================================================================
-- refetch_truncated 'false' never reaches a write
-- ===================================================================
ALTER FOREIGN TABLE :o OPTIONS (ADD refetch_truncated 'false');
-- Reads keep the trade: the list's cut values, no re-reads.
SELECT id, length(quick_notes) FROM :o WHERE id IN (21, 22, 23) ORDER BY id;
SELECT * FROM sim_requests();

-- Appending to the notes of a list read: the full notes are read first and
-- written back whole (600 + 30 characters, not 250 + 30).
UPDATE :o SET quick_notes = quick_notes || E'\n2026-12-02: firewall replaced.'
 WHERE id IN (21, 22) RETURNING id, length(quick_notes);
SELECT left(r, 40) AS request, length(r) FROM sim_requests() r;
ALTER FOREIGN TABLE :o OPTIONS (SET refetch_truncated 'true');
SELECT id, length(quick_notes), right(quick_notes, 10) FROM :o WHERE id IN (21, 22) ORDER BY id;
ALTER FOREIGN TABLE :o OPTIONS (SET refetch_truncated 'false');
SELECT sim_clear();

-- INSERT ... SELECT from the table into itself, and through a CTE.
INSERT INTO :o (name, quick_notes)
SELECT name || ' (copy)', quick_notes FROM :o WHERE id IN (23, 24) RETURNING name, length(quick_notes);
WITH src AS (SELECT id, quick_notes FROM :o WHERE id IN (21, 8))
INSERT INTO :o (name, quick_notes)
SELECT 'Notes of ' || id, quick_notes FROM src RETURNING name, length(quick_notes);
SELECT left(r, 40) AS request, length(r) FROM sim_requests() r;

-- A whole-row reference and the attributes column also read in full.
CREATE FOREIGN TABLE org_attrs (id bigint, name text, quick_notes text, attributes jsonb)
  SERVER sim OPTIONS (resource 'organizations', refetch_truncated 'false');
SELECT id, length(attributes->>'quick-notes') FROM org_attrs WHERE id IN (21, 23) ORDER BY id;
UPDATE org_attrs SET quick_notes = (attributes->>'quick-notes') || '!' WHERE id IN (21, 23)
RETURNING id, length(quick_notes);
UPDATE org_attrs t SET name = name WHERE id IN (23, 24) AND length(t::text) > 300
RETURNING id;
SELECT left(r, 40) AS request, length(r) FROM sim_requests() r;
DROP FOREIGN TABLE org_attrs;

-- The records a write chooses are chosen on full values: record 22's notes
-- end in "[050]" only after the cut.
UPDATE :o SET alert = 'has note 50' WHERE id IN (21, 22) AND quick_notes LIKE '%[050]'
RETURNING id;
-- A write into a partitioned table with an IT Glue partition counts too.
CREATE TABLE notes_by_status (id bigint, name text, organization_status_id bigint,
                              quick_notes text) PARTITION BY LIST (organization_status_id);
CREATE FOREIGN TABLE notes_active PARTITION OF notes_by_status FOR VALUES IN (1)
  SERVER sim OPTIONS (resource 'organizations');
INSERT INTO notes_by_status (name, organization_status_id, quick_notes)
SELECT 'Routed notes of ' || id, 1, quick_notes FROM :o WHERE id IN (22, 23)
RETURNING name, length(quick_notes);
DROP TABLE notes_by_status;
SELECT left(r, 40) AS request, length(r) FROM sim_requests() r;
ALTER FOREIGN TABLE :o OPTIONS (DROP refetch_truncated);

-- RETURNING: the documentation does not say whether a write's answer cuts
-- quick-notes as a list does.  When it does (simulator option), a RETURNING
-- that reads them gets them from the show route: after a POST or PATCH, and
-- before a DELETE, whose record cannot be read afterwards.
SELECT sim_config('{"write_answers_cut": true}');
UPDATE :o SET alert = 'returning' WHERE id = 21 RETURNING id, length(quick_notes);
UPDATE :o SET alert = 'returning id only' WHERE id IN (21, 22) RETURNING id;
INSERT INTO :o (name, quick_notes) VALUES ('Long Returning Ltd', repeat('n', 300))
RETURNING name, length(quick_notes);
WITH u AS (UPDATE :o SET alert = 'moved' WHERE id = 21 RETURNING quick_notes)
INSERT INTO :o (name, quick_notes) SELECT 'From RETURNING Ltd', quick_notes FROM u
RETURNING name, length(quick_notes);
ALTER FOREIGN TABLE :o OPTIONS (ADD allow_delete 'true');
DELETE FROM :o WHERE id = 23 RETURNING id, length(quick_notes);
DELETE FROM :o WHERE name = 'Long Returning Ltd' RETURNING id;
ALTER FOREIGN TABLE :o OPTIONS (DROP allow_delete);
SELECT left(r, 40) AS request, length(r) FROM sim_requests() r;
SELECT sim_config('{"write_answers_cut": false}');
-- Answers with the whole notes need no second read.
UPDATE :o SET alert = 'returning, whole' WHERE id = 21 RETURNING id, length(quick_notes);
SELECT * FROM sim_requests();

-- ===================================================================
-- A 404 when a record is read again.  One rule for every caller: a
-- JSON:API 404 means the record is gone, any other 404 (an HTML page)
-- that the route is unknown.
-- ===================================================================
\set json404 '"status": 404, "content_type": "application/vnd.api+json", "body": "{\\"errors\\":[{\\"status\\":\\"404\\",\\"title\\":\\"Record not found\\"}]}"'
\set html404 '"status": 404, "content_type": "text/html", "body": "<html><body><h1>Not Found</h1></body></html>"'
SELECT sim_clear();
-- A scan re-reads record 21's cut notes, but it was deleted after the list
-- page: the row must not silently go, the scan fails as changed (40001).
SELECT sim_fault(format('{"method": "GET", "path": "/organizations/21", "action": {%s}}', :'json404'));
SELECT id, length(quick_notes) FROM :o WHERE id IN (21, 22) ORDER BY id;
\echo :LAST_ERROR_SQLSTATE
-- An HTML 404 there is no such route (HV00R), not a deleted record.
SELECT sim_fault(format('{"method": "GET", "path": "/organizations/21", "action": {%s}}', :'html404'));
SELECT id, length(quick_notes) FROM :o WHERE id IN (21, 22) ORDER BY id;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
-- The re-read after a write whose answer cut the notes (the first GET is
-- the scan that finds the row, the second the re-read): the write is done,
-- but no whole value can be shown (40001), or the route is unknown (HV00R).
-- (The rollback warning is left out: it may come before or after the error.)
SELECT sim_config('{"write_answers_cut": true}');
SELECT sim_fault(format('{"method": "GET", "path": "/organizations/21", "skip": 1, "action": {%s}}', :'json404'));
SET client_min_messages = error;
UPDATE :o SET alert = 'reread gone' WHERE id = 21 RETURNING id, length(quick_notes);
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault(format('{"method": "GET", "path": "/organizations/21", "skip": 1, "action": {%s}}', :'html404'));
SET client_min_messages = error;
UPDATE :o SET alert = 'reread no route' WHERE id = 21 RETURNING id, length(quick_notes);
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_config('{"write_answers_cut": false}');
-- A direct UPDATE by id: a JSON:API 404 is no row, an HTML 404 an error.
SELECT sim_fault(format('{"method": "PATCH", "path": "/organizations/21", "action": {%s}}', :'json404'));
UPDATE :o SET alert = 'direct gone' WHERE id = 21;
SELECT sim_fault(format('{"method": "PATCH", "path": "/organizations/21", "action": {%s}}', :'html404'));
UPDATE :o SET alert = 'direct no route' WHERE id = 21;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
SELECT id, alert FROM :o WHERE id = 21;

-- ===================================================================
-- Writes of unknown outcome: IT Glue carried them out, but the answer
-- was lost (timeout, dropped connection) or was a server error
-- ===================================================================
CREATE SERVER sim_unsure FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', timeout_ms '500', requests_per_minute '100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_unsure OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE unsure_orgs (id bigint, name text, alert text)
  SERVER sim_unsure OPTIONS (resource 'organizations', allow_delete 'true');
SELECT sim_clear();

-- POST that times out after IT Glue created the record: not sent again.
SELECT sim_fault('{"method": "POST", "action": {"kind": "stall", "seconds": 5, "apply": true}}');
SET client_min_messages = error;
INSERT INTO unsure_orgs (name) VALUES ('Timed Out Ltd');
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
SELECT id, name FROM unsure_orgs WHERE name = 'Timed Out Ltd';

-- PATCH whose connection is dropped after it was applied.
SELECT sim_fault('{"method": "PATCH", "action": {"kind": "close", "apply": true}}');
SET client_min_messages = error;
UPDATE unsure_orgs SET alert = 'dropped answer' WHERE id = 14;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"method": "PATCH", "action": {"kind": "stall", "seconds": 5, "apply": true}}');
SET client_min_messages = error;
UPDATE unsure_orgs SET alert = 'timed out' WHERE id IN (14, 15);
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
SELECT id, alert FROM unsure_orgs WHERE id IN (14, 15) ORDER BY id;

-- DELETE answered by a server error after it was carried out.
SELECT sim_fault('{"method": "DELETE", "action": {"status": 503, "apply": true}}');
SET client_min_messages = error;
DELETE FROM unsure_orgs WHERE id = 31;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"method": "DELETE", "action": {"kind": "close", "apply": true}}');
SET client_min_messages = error;
DELETE FROM unsure_orgs WHERE id IN (33, 34);
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
SELECT count(*) FROM unsure_orgs WHERE id IN (31, 33, 34);

-- A statement that wrote some rows before the unknown one lists them too.
SELECT sim_fault('{"method": "POST", "skip": 2, "action": {"kind": "close", "apply": true}}');
SET client_min_messages = error;
INSERT INTO unsure_orgs (name) VALUES ('Before One Ltd'), ('Before Two Ltd'), ('Unknown Three Ltd'),
                                    ('Never Sent Four Ltd');
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

-- The rollback warning lists the writes of unknown outcome apart.  (Here
-- the writes are in a block that catches the error, so that the warning
-- of its rollback comes before the notice, in a fixed order.)
SELECT sim_fault('{"method": "PATCH", "skip": 1, "action": {"status": 502, "apply": true}}');
DO $$
BEGIN
  UPDATE unsure_orgs SET alert = 'in the block' WHERE id IN (36, 37, 38);
EXCEPTION WHEN transaction_resolution_unknown THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT sim_fault('{"method": "POST", "action": {"kind": "close", "apply": true}}');
DO $$
BEGIN
  INSERT INTO unsure_orgs (name) VALUES ('Block Unknown Ltd');
EXCEPTION WHEN transaction_resolution_unknown THEN
  RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT * FROM sim_requests();

-- A write refused outright (HTTP 4xx) or never sent is not "unknown".
SELECT sim_fault('{"method": "PATCH", "action": {"status": 429}}');
UPDATE unsure_orgs SET alert = 'after a 429' WHERE id = 14;
SELECT * FROM sim_requests();

-- ===================================================================
-- An answer that is not the record written
-- ===================================================================
SELECT sim_fault('{"method": "PATCH", "action": {"kind": "other_id"}}');
SET client_min_messages = error;
UPDATE :o SET alert = 'other id' WHERE id IN (5, 6) RETURNING id, alert;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"method": "POST", "action": {"kind": "other_type"}}');
SET client_min_messages = error;
INSERT INTO :o (name) VALUES ('Other Type Ltd') RETURNING id, name;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"method": "POST", "action": {"kind": "missing_data"}}');
SET client_min_messages = error;
INSERT INTO :o (name) VALUES ('No Data Ltd');
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"method": "PATCH", "action": {"status": 200, "body": "OK", "apply": true}}');
SET client_min_messages = error;
UPDATE :o SET alert = 'plain text answer' WHERE id = 7;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE :o OPTIONS (ADD allow_delete 'true');
SELECT sim_fault('{"method": "DELETE", "action": {"kind": "other_id"}}');
SET client_min_messages = error;
DELETE FROM :o WHERE id = 32;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE :o OPTIONS (DROP allow_delete);
-- A correct answer whose values do not convert: the write is done, and said so.
SELECT sim_fault('{"method": "POST", "skip": 1, "action": {"kind": "wrong_types"}}');
SET client_min_messages = error;
INSERT INTO :o (name) VALUES ('Done Before Ltd'), ('Bad Answer Ltd') RETURNING id, organization_type_id;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
SELECT id, name, alert FROM :o WHERE id IN (5, 6, 7) OR name IN ('Other Type Ltd', 'No Data Ltd', 'Bad Answer Ltd') ORDER BY id;

DROP FOREIGN TABLE unsure_orgs;
DROP USER MAPPING FOR CURRENT_USER SERVER sim_unsure;
DROP SERVER sim_unsure;
SELECT sim_reset();
