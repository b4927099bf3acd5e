-- demo/demo.sql — it_glue_fdw against the bundled IT Glue simulator.
--
-- An MSP with a few thousand client organizations.  Each section is a real
-- workflow: the SQL, what the FDW sent (EXPLAIN VERBOSE), and the rows.
\set ON_ERROR_STOP on
\pset footer off
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

\echo
\echo '=== Set-up: extension, server, the key in a user mapping, IMPORT ==='
CREATE EXTENSION IF NOT EXISTS it_glue_fdw;
CREATE SERVER itglue FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER itglue OPTIONS (api_key :'api_key');
CREATE SCHEMA itglue;
IMPORT FOREIGN SCHEMA itglue FROM SERVER itglue INTO itglue;
\dE itglue.*

\echo
\echo '=== 1. Look an organization up by name (one filtered request) ==='
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, name, organization_type_name, organization_status_name, psa_id
  FROM itglue.organizations WHERE name = 'Kub, Reynolds and Gibson';
SELECT id, name, organization_type_name, organization_status_name, psa_id
  FROM itglue.organizations WHERE name = 'Kub, Reynolds and Gibson';

\echo
\echo '=== 2. Look an organization up by its PSA id ==='
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, name FROM itglue.organizations
 WHERE psa_integration_type = 'manage' AND psa_id = '1006';
SELECT id, name, psa_integration_type, psa_id FROM itglue.organizations
 WHERE psa_integration_type = 'manage' AND psa_id = '1006';

\echo
\echo '=== 3. Active customers: status and type names become ids, count(*) is one request ==='
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM itglue.organizations
 WHERE organization_status_name = 'Active' AND organization_type_name = 'Customer';
SELECT count(*) AS active_customers FROM itglue.organizations
 WHERE organization_status_name = 'Active' AND organization_type_name = 'Customer';

\echo
\echo '=== 3b. The five most recently updated active customers: ORDER BY and LIMIT go to the API ==='
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id, name, updated_at FROM itglue.organizations
 WHERE organization_status_id = 1 AND organization_type_id = 1
 ORDER BY updated_at DESC LIMIT 5;
SELECT id, name, short_name, updated_at FROM itglue.organizations
 WHERE organization_status_id = 1 AND organization_type_id = 1
 ORDER BY updated_at DESC LIMIT 5;

\echo '=== 4. PSA sync check: a local table of PSA companies against IT Glue ==='
-- The PSA side: most manage companies, a few renamed, a few IT Glue never saw.
CREATE TEMP TABLE psa_companies AS
SELECT psa_id, CASE WHEN id % 17 = 0 THEN name || ' (renamed in PSA)' ELSE name END AS company_name
  FROM itglue.organizations
 WHERE psa_integration_type = 'manage' AND id % 5 <> 0
UNION ALL
SELECT 'NEW-' || g, 'Brand New Client ' || g FROM generate_series(1, 4) g;
SELECT count(*) AS psa_companies FROM psa_companies;

-- Each PSA company is matched by (type, PSA id), which IT Glue filters on;
-- the manage organizations no company matched are "in IT Glue only".  This
-- form is right whether or not IT Glue's answers carry psa-id (its
-- documented responses do not): see README, "Attributes the documentation
-- does not show".  use_remote_estimate lets the planner see which it is.
ALTER FOREIGN TABLE itglue.organizations OPTIONS (ADD use_remote_estimate 'true');
WITH matched AS (
  SELECT p.psa_id, p.company_name, o.id, o.name
    FROM psa_companies p
    LEFT JOIN itglue.organizations o
      ON o.psa_id = p.psa_id AND o.psa_integration_type = 'manage'
)
SELECT CASE
         WHEN id IS NULL THEN 'in PSA only (not synced)'
         WHEN company_name = name THEN 'synced'
         ELSE 'name mismatch'
       END AS sync_state, count(*)
  FROM matched GROUP BY 1
UNION ALL
SELECT 'in IT Glue only', count(*)
  FROM itglue.organizations o
 WHERE o.psa_integration_type = 'manage'
   AND o.id NOT IN (SELECT m.id FROM matched m WHERE m.id IS NOT NULL)
 ORDER BY 1;

SELECT p.psa_id, p.company_name AS psa_name, o.name AS itglue_name
  FROM psa_companies p JOIN itglue.organizations o
    ON o.psa_id = p.psa_id AND o.psa_integration_type = 'manage'
 WHERE o.name <> p.company_name
 ORDER BY p.psa_id LIMIT 5;
ALTER FOREIGN TABLE itglue.organizations OPTIONS (DROP use_remote_estimate);

\echo
\echo '=== 5. Bulk organization report ==='
SELECT organization_type_name AS type,
       count(*) FILTER (WHERE organization_status_name = 'Active') AS active,
       count(*) FILTER (WHERE organization_status_name <> 'Active') AS other,
       count(*) FILTER (WHERE psa_id IS NOT NULL) AS psa_linked,
       count(*) FILTER (WHERE parent_id IS NOT NULL) AS sub_orgs
  FROM itglue.organizations GROUP BY 1 ORDER BY 1;

SELECT p.name AS parent, count(c.*) AS children
  FROM itglue.organizations p JOIN itglue.organizations c ON c.parent_id = p.id
 GROUP BY p.name ORDER BY 2 DESC, 1 LIMIT 5;

\echo
\echo '=== 6. Writing: onboarding, safe create, quick-notes, offboarding ==='
-- Onboarding: type and status by name through the lookup tables.
INSERT INTO itglue.organizations (name, organization_type_id, organization_status_id,
                                  quick_notes)
SELECT 'Northwind Traders', t.id, s.id, 'Onboarded by the service desk.'
  FROM itglue.organization_types t, itglue.organization_statuses s
 WHERE t.name = 'Customer' AND s.name = 'Active'
RETURNING id, name, organization_type_name, organization_status_name, created_at;
-- Safe create: create it, or find the one whose name is taken.
WITH created AS (
  INSERT INTO itglue.organizations (name) VALUES ('Northwind Traders')
  ON CONFLICT DO NOTHING RETURNING id
)
SELECT id, 'created' AS how FROM created
UNION ALL
SELECT id, 'already there' FROM itglue.organizations
 WHERE name = 'Northwind Traders' AND NOT EXISTS (SELECT 1 FROM created);
-- Quick-notes maintenance: append a line (the full notes are read first).
UPDATE itglue.organizations
   SET quick_notes = quick_notes || E'\n' || current_date || ': backup job moved to 02:00.'
 WHERE name = 'Northwind Traders'
RETURNING id, quick_notes;
-- Offboarding: archive with a dated alert, never delete.
EXPLAIN (VERBOSE, COSTS OFF)
UPDATE itglue.organizations
   SET organization_status_id = (SELECT id FROM itglue.organization_statuses WHERE name = 'Archived'),
       alert = format('Offboarded %s: %s', current_date, 'contract ended')
 WHERE id = 29;
UPDATE itglue.organizations
   SET organization_status_id = (SELECT id FROM itglue.organization_statuses WHERE name = 'Archived'),
       alert = format('Offboarded %s: %s', current_date, 'contract ended')
 WHERE id = 29;
SELECT id, name, organization_status_name, alert FROM itglue.organizations WHERE id = 29;
-- A PSA-synced organization keeps its PSA fields: IT Glue says which may change.
\set ON_ERROR_STOP off
UPDATE itglue.organizations SET name = 'Renamed' WHERE id = 2;
\set ON_ERROR_STOP on

\echo
\echo '=== What a full scan costs (EXPLAIN ANALYZE): pages fetched 4 at a time ==='
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(name) FROM itglue.organizations;
