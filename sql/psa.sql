--
-- psa: the PSA workflows return the same rows whether or not IT Glue's
-- answers contain psa-id and psa-integration-type.
--
-- IT Glue documents filter[psa_id] and filter[psa_integration_type], but its
-- documented organization responses do not contain those attributes (nor
-- primary-contact-id, primary-location-id, my-glue-account-id).  An absent
-- attribute is not null: a value the request's exact filter fixed is the
-- row's value, and what cannot be known is NULL.
--
SELECT sim_reset();
-- The first half is about answers that echo the attributes, whatever mode
-- the simulator was started in (test/run-tests.sh runs both).
SELECT sim_config('{"attributes": "all"}');
CREATE FOREIGN TABLE orgs_est (
  id bigint, name text, psa_id text, psa_integration_type text
) SERVER sim OPTIONS (resource 'organizations', page_size '100', use_remote_estimate 'true');
-- The PSA side: most manage companies, a few renamed, a few IT Glue never saw.
CREATE TABLE psa_companies AS
SELECT psa_id, CASE WHEN id % 17 = 0 THEN name || ' (renamed in PSA)' ELSE name END AS company_name
  FROM itglue.organizations
 WHERE psa_integration_type = 'manage' AND id % 5 <> 0
UNION ALL
SELECT 'NEW-' || g, 'Brand New Client ' || g FROM generate_series(1, 4) g;
ANALYZE psa_companies;
SELECT count(*) AS psa_companies FROM psa_companies;
SELECT sim_clear();

\echo '=== IT Glue echoes the PSA attributes (simulator attributes "all") ==='
\i sql/psa_workflows.psql

SELECT sim_config('{"attributes": "documented"}');
\echo '=== IT Glue answers as documented: no psa-id, psa-integration-type, my-glue-account-id ==='
\i sql/psa_workflows.psql

-- What no filter fixes cannot be known: NULL, not a guess.
SELECT id, name, psa_integration_type, psa_id, my_glue_account_id, primary_contact_id
  FROM itglue.organizations WHERE id IN (2, 26) ORDER BY id;
-- A plan that cannot filter per PSA company (a FULL JOIN) sees NULL psa ids.
SELECT count(*) FILTER (WHERE o.id IS NOT NULL AND p.psa_id IS NOT NULL) AS matched,
       count(*) FILTER (WHERE o.id IS NULL) AS psa_only,
       count(*) FILTER (WHERE p.psa_id IS NULL) AS itglue_only
  FROM psa_companies p
  FULL JOIN (SELECT id, psa_id FROM itglue.organizations WHERE psa_integration_type = 'manage') o
    ON o.psa_id = p.psa_id;
-- Writes are checked against the documented answer too (alert is in it);
-- RETURNING shows what IT Glue's answer holds.
UPDATE itglue.organizations SET alert = 'Check the PSA link' WHERE id = 17
RETURNING id, alert, psa_id;
SELECT * FROM sim_requests();
-- Without the estimate request the planner cannot know what IT Glue echoes:
-- a join on psa_id (+ type) goes per company whatever the table size.
-- (PostgreSQL 17 and later write the join's equality the other way round.)
CREATE FUNCTION explain_join(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		RETURN NEXT replace(line, '(psa_id = p.psa_id)', '(p.psa_id = psa_id)');
	END LOOP;
END $$;
SELECT * FROM explain_join($q$
SELECT count(*) FROM psa_companies p JOIN itglue.organizations o
    ON o.psa_id = p.psa_id AND o.psa_integration_type = 'manage'$q$);
DROP FUNCTION explain_join(text);

DROP TABLE psa_companies;
DROP FOREIGN TABLE orgs_est;
SELECT sim_reset();
