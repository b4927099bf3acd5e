--
-- writes: INSERT, UPDATE and DELETE become POST, PATCH and the bulk
-- DELETE; the simulator's log shows the exact method, path and body.
--
SELECT sim_reset();
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\set o itglue.organizations

-- ===================================================================
-- Onboarding: create a customer by type and status name, read it back
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF)
INSERT INTO :o (name, quick_notes) VALUES ('Northwind Traders', 'x');
INSERT INTO :o (name, organization_type_id, organization_status_id, quick_notes)
SELECT 'Northwind Traders', t.id, s.id, 'Onboarded by the service desk.'
  FROM itglue.organization_types t, itglue.organization_statuses s
 WHERE t.name = 'Customer' AND s.name = 'Active'
RETURNING id, name, organization_type_name, organization_status_name, quick_notes,
          psa_id, created_at, updated_at;
SELECT id, name, organization_type_name, psa_integration_type, psa_id
  FROM :o WHERE name = 'Northwind Traders';
SELECT * FROM sim_requests();

-- Several rows at once, and INSERT ... SELECT.
INSERT INTO :o (name, short_name, description)
VALUES ('Fabrikam Ltd', 'FAB', 'Two-site law firm'), ('Tailspin Toys', NULL, NULL)
RETURNING id, name, short_name, description;
CREATE TABLE new_clients (name text, notes text);
INSERT INTO new_clients VALUES ('Litware Inc', 'From the PSA import'), ('Proseware, Inc.', NULL);
INSERT INTO :o (name, quick_notes) SELECT name, notes FROM new_clients RETURNING id, name;
SELECT * FROM sim_requests();

-- ===================================================================
-- Safe create: create, or find the one whose name is taken
-- ===================================================================
INSERT INTO :o (name) VALUES ('Fabrikam Ltd');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO :o (name) VALUES ('Fabrikam Ltd'), ('Wide World Importers')
ON CONFLICT DO NOTHING RETURNING id, name;
WITH created AS (
  INSERT INTO :o (name) VALUES ('Fabrikam Ltd') ON CONFLICT DO NOTHING RETURNING id
)
SELECT id FROM created
UNION ALL
SELECT id FROM :o WHERE name = 'Fabrikam Ltd' AND NOT EXISTS (SELECT 1 FROM created);
SELECT * FROM sim_requests();

-- ===================================================================
-- Errors IT Glue gives for bad values, mapped to SQLSTATEs
-- ===================================================================
INSERT INTO :o (description) VALUES ('no name');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO :o (name, organization_type_id) VALUES ('Bad Type Co', 99);
\echo :LAST_ERROR_SQLSTATE
INSERT INTO :o (name, organization_status_id) VALUES ('Bad Status Co', 42);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

-- Columns IT Glue fills itself cannot be written.
INSERT INTO :o (id, name) VALUES (77, 'Explicit Id Ltd');
INSERT INTO :o (name, created_at) VALUES ('Backdated Ltd', '2001-01-01');
INSERT INTO :o (name, organization_type_name) VALUES ('Named Type Ltd', 'Customer');
UPDATE :o SET updated_at = now() WHERE id = 5;
UPDATE :o SET id = 6 WHERE id = 5;
CREATE FOREIGN TABLE org_all (id bigint, name text, attributes jsonb) SERVER sim;
UPDATE org_all SET attributes = '{}' WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE org_all;
SELECT * FROM sim_requests();

-- Attributes the API documentation does not list as writable are refused
-- before anything is sent, with a hint saying how IT Glue sets them.
INSERT INTO :o (name, psa_id, psa_integration_type) VALUES ('PSA Linked Ltd', '5001', 'manage');
\echo :LAST_ERROR_SQLSTATE
UPDATE :o SET psa_integration_type = 'autotask' WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
UPDATE :o SET my_glue_account_id = 7 WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO :o (name, primary_contact_id) VALUES ('Primary Contact Ltd', 1);
\echo :LAST_ERROR_SQLSTATE
UPDATE :o SET primary_location_id = 1 WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
UPDATE :o SET parent_id = 17 WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
-- The rule follows the attribute, whatever the column is called.
CREATE FOREIGN TABLE org_psa (id bigint, name text, psa text OPTIONS (attribute 'psa-id'))
  SERVER sim OPTIONS (resource 'organizations');
INSERT INTO org_psa (name, psa) VALUES ('Renamed PSA Column Ltd', '5001');
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE org_psa;
SELECT * FROM sim_requests();

-- ===================================================================
-- UPDATE sends only the assigned columns; one id goes direct
-- ===================================================================
EXPLAIN (VERBOSE, COSTS OFF) UPDATE :o SET alert = 'VIP' WHERE id = 5;
UPDATE :o SET alert = 'VIP' WHERE id = 5;
UPDATE :o SET alert = 'VIP' WHERE id = 999999;
SELECT id, alert, updated_at FROM :o WHERE id = 5;
SELECT * FROM sim_requests();

-- With RETURNING, or a condition the API cannot answer exactly, the
-- rows are read first and each is PATCHed.  (Long quick-notes of rows that
-- fail id < 40 are not read again: those rows are not updated.)
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE :o SET description = 'Checked' WHERE organization_status_id = 4 AND id < 40;
UPDATE :o SET description = 'Checked' WHERE organization_status_id = 4 AND id < 40
RETURNING id, name, description, updated_at;
UPDATE :o SET short_name = NULL WHERE id = 14 RETURNING id, short_name;
SELECT * FROM sim_requests();

-- Prepared statements with parameters.
PREPARE set_alert(bigint, text) AS UPDATE :o SET alert = $2 WHERE id = $1;
EXECUTE set_alert(14, 'From a prepared statement');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (VERBOSE, COSTS OFF) EXECUTE set_alert(14, 'x');
EXECUTE set_alert(14, 'Generic plan');
EXECUTE set_alert(NULL, 'nothing');
RESET plan_cache_mode;
DEALLOCATE set_alert;
SELECT * FROM sim_requests();

-- ===================================================================
-- Quick-notes maintenance: append a line without losing what is there
-- (the list cut the notes at 250 characters; the full text is used)
-- ===================================================================
SELECT id, length(quick_notes) FROM :o WHERE id = 21;
UPDATE :o SET quick_notes = quick_notes || E'\n2026-11-29: password rotated.'
 WHERE id IN (21, 22) RETURNING id, length(quick_notes), right(quick_notes, 29);
SELECT id, length(quick_notes) FROM :o WHERE id IN (21, 22) ORDER BY id;
SELECT count(*) FILTER (WHERE r LIKE 'PATCH%') AS patches FROM sim_requests() r;

-- ===================================================================
-- PSA-synced organizations: only alert, description and quick notes
-- ===================================================================
UPDATE :o SET alert = 'Synced, but alerts are fine' WHERE id = 2;
UPDATE :o SET name = 'Kub Reynolds & Gibson' WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

-- ===================================================================
-- Offboarding: archive with an alert, do not delete
-- ===================================================================
UPDATE :o
   SET organization_status_id = (SELECT id FROM itglue.organization_statuses WHERE name = 'Archived'),
       alert = format('Offboarded %s: %s', DATE '2026-11-29', 'contract ended')
 WHERE id = 29;
SELECT id, organization_status_name, alert FROM :o WHERE id = 29;
SELECT * FROM sim_requests();

-- ===================================================================
-- DELETE needs allow_delete; then it is the bulk route, one id a row
-- ===================================================================
DELETE FROM :o WHERE id = 31;
\echo :LAST_ERROR_SQLSTATE
ALTER FOREIGN TABLE :o OPTIONS (ADD allow_delete 'true');
EXPLAIN (VERBOSE, COSTS OFF) DELETE FROM :o WHERE id = 31;
DELETE FROM :o WHERE id = 31;
DELETE FROM :o WHERE id = 31;
DELETE FROM :o WHERE name IN ('Tailspin Toys', 'Litware Inc') RETURNING id, name;
SELECT count(*) FROM :o WHERE id = 31;
SELECT * FROM sim_requests();
ALTER FOREIGN TABLE :o OPTIONS (DROP allow_delete);

-- updatable 'false' refuses INSERT and UPDATE.
ALTER FOREIGN TABLE :o OPTIONS (ADD updatable 'false');
INSERT INTO :o (name) VALUES ('Read Only Ltd');
UPDATE :o SET alert = 'x' WHERE id = 5;
ALTER FOREIGN TABLE :o OPTIONS (DROP updatable);
-- Resources this FDW only reads.
INSERT INTO itglue.configurations (name) VALUES ('server01');

-- ===================================================================
-- IT Glue is not transactional: a failure part-way says what was done,
-- and a rollback warns that those changes remain
-- ===================================================================
-- (The rollback WARNING that follows this error is shown further down:
-- its order relative to the error is up to psql.)
SET client_min_messages = error;
INSERT INTO :o (name) VALUES ('Part One Ltd'), ('Part Two Ltd'), ('Acme'), ('Never Sent Ltd');
\echo :LAST_ERROR_SQLSTATE
RESET client_min_messages;
SELECT * FROM sim_requests();
BEGIN;
UPDATE :o SET alert = 'changed in a transaction' WHERE id = 14;
INSERT INTO :o (name) VALUES ('Rolled Back Ltd');
ROLLBACK;
BEGIN;
UPDATE :o SET alert = 'kept' WHERE id = 14;
SAVEPOINT s1;
UPDATE :o SET alert = 'inside the savepoint' WHERE id = 22;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
SELECT id, alert FROM :o WHERE id IN (14, 22) ORDER BY id;
SELECT name FROM :o WHERE name IN ('Part One Ltd', 'Part Two Ltd', 'Never Sent Ltd', 'Rolled Back Ltd')
 ORDER BY name;
SELECT count(*) > 0 AS logged FROM sim_requests();

-- A write is not retried after a server error (it may have run)...
-- (Its outcome is unknown; see sql/outcomes.sql.  The rollback warning is
-- left out: its order relative to the error is up to psql.)
SELECT sim_fault('{"method": "PATCH", "action": {"status": 502}}');
SET client_min_messages = error;
UPDATE :o SET alert = 'after a 502' WHERE id = 14;
RESET client_min_messages;
\echo :LAST_ERROR_SQLSTATE
-- ...but is retried after a 429, which IT Glue did not run.
SELECT sim_fault('{"method": "PATCH", "action": {"status": 429}}');
UPDATE :o SET alert = 'after a 429' WHERE id = 14;
SELECT * FROM sim_requests();

-- ===================================================================
-- A value IT Glue did not store is an error, never a silent success
-- ===================================================================
SELECT sim_reset();
-- (Each error is followed by the rollback WARNING, whose order relative to
-- the error is up to psql: warnings are hidden here.)
SET client_min_messages = error;
-- The answer to a create holds another name than the one sent.
SELECT sim_fault('{"method": "POST", "action": {"kind": "attribute_value", "attribute": "name", "value": "Renamed By IT Glue"}}');
INSERT INTO :o (name, short_name) VALUES ('Sent As This Ltd', 'SAT') RETURNING id, name;
\echo :LAST_ERROR_SQLSTATE
-- In a multi-row statement the error lists what was already done.
SELECT sim_fault('{"method": "POST", "skip": 1, "action": {"kind": "attribute_value", "attribute": "short-name", "value": null}}');
INSERT INTO :o (name, short_name) VALUES ('First Stuck Ltd', 'FS'), ('Second Lost Ltd', 'SL');
\echo :LAST_ERROR_SQLSTATE
-- An update whose answer does not contain the attribute (single id: direct).
SELECT sim_fault('{"method": "PATCH", "action": {"kind": "attribute_value", "attribute": "alert", "absent": true}}');
UPDATE :o SET alert = 'unconfirmed' WHERE id = 5;
\echo :LAST_ERROR_SQLSTATE
-- Setting NULL must come back NULL; several rows go one PATCH each.
SELECT sim_fault('{"method": "PATCH", "path": "/organizations/8", "action": {"kind": "attribute_value", "attribute": "description", "value": "kept"}}');
UPDATE :o SET description = NULL WHERE id IN (7, 8, 9);
\echo :LAST_ERROR_SQLSTATE
RESET client_min_messages;
SELECT * FROM sim_requests();
-- An attribute the documentation does not list: dropped by IT Glue
-- (undocumented_write "ignore") or refused (422, "reject"); an error either way.
CREATE FOREIGN TABLE org_nick (id bigint, name text, nickname text)
  SERVER sim OPTIONS (resource 'organizations');
SELECT sim_config('{"undocumented_write": "ignore"}');
SET client_min_messages = error;
INSERT INTO org_nick (name, nickname) VALUES ('Nickname Ltd', 'Nick');
\echo :LAST_ERROR_SQLSTATE
RESET client_min_messages;
SELECT sim_config('{"undocumented_write": "reject"}');
INSERT INTO org_nick (name, nickname) VALUES ('Nickname Two Ltd', 'Nick');
\echo :LAST_ERROR_SQLSTATE
DROP FOREIGN TABLE org_nick;
-- The same value in another JSON form was stored: "2" is the bigint 2.
SELECT sim_fault('{"method": "PATCH", "action": {"kind": "attribute_value", "attribute": "organization-type-id", "value": "2"}}');
UPDATE :o SET organization_type_id = 2 WHERE id = 16 RETURNING id, organization_type_id;
SELECT * FROM sim_requests();

-- When a write's answer cuts quick-notes as a list does (simulator option),
-- a long value sent is compared with the whole record from the show route.
SELECT sim_config('{"write_answers_cut": true}');
INSERT INTO :o (name, quick_notes) VALUES ('Long Notes Two Ltd', repeat('n', 300));
UPDATE :o SET quick_notes = repeat('u', 260) WHERE id = 16;
SELECT length(quick_notes) FROM :o WHERE id = 16;
SELECT * FROM sim_requests();

DROP TABLE new_clients;
SELECT sim_reset();
