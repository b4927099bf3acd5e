--
-- reccache: the record cache.  Lists cut quick-notes at 250 characters; a
-- record that may have been cut is read again whole, and its whole values
-- are kept with its updated-at.  A list record whose updated-at matches is
-- completed from the cache with no request; one whose updated-at changed
-- is read again.  The simulator's log shows every request sent.
--
\set sim_url `echo "$ITGLUE_SIM_URL"`
\set other_host_url `echo "$ITGLUE_SIM_URL" | sed 's/127.0.0.1/localhost/'`
SELECT sim_reset();

-- Cold: the list page, then 8, 21, 22, 23 (250 characters or more) whole.
SELECT id, length(quick_notes), md5(quick_notes) FROM itglue.organizations
 WHERE id IN (8, 21, 22, 23, 24) ORDER BY id;
SELECT * FROM sim_requests();
-- Warm: the list page only; the values are the same, whole.
SELECT id, length(quick_notes), md5(quick_notes) FROM itglue.organizations
 WHERE id IN (8, 21, 22, 23, 24) ORDER BY id;
SELECT * FROM sim_requests();
SELECT line FROM explain('ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF',
	'SELECT id, quick_notes FROM itglue.organizations WHERE id IN (8, 21, 22, 23, 24)') line
 WHERE line ~ 'Refetched|Cache|Requests';
SELECT * FROM sim_requests();

-- Another client changes 21's quick-notes in IT Glue (a new updated-at):
-- 21 is read again and shows the new text; the others still come from the
-- cache.
SELECT sim_api('PATCH', '/organizations/21',
	'{"data":{"type":"organizations","attributes":{"quick-notes":"' || repeat('changed ', 40) || '"}}}');
SELECT left(r, 40) FROM sim_requests() r;
SELECT id, length(quick_notes), left(quick_notes, 16), md5(quick_notes) FROM itglue.organizations
 WHERE id IN (8, 21, 22, 23, 24) ORDER BY id;
SELECT * FROM sim_requests();

-- A hit gives every value a re-read would have given, the whole
-- attributes object too: a scan extracting attributes the entry lacks
-- reads the record again (and the entry keeps both), then hits.
CREATE FOREIGN TABLE rc_all (id bigint, attributes jsonb) SERVER sim;
SELECT id, length(attributes->>'quick-notes') FROM rc_all WHERE id IN (21, 22) ORDER BY id;
SELECT * FROM sim_requests();
SELECT id, length(attributes->>'quick-notes') FROM rc_all WHERE id IN (21, 22) ORDER BY id;
SELECT * FROM sim_requests();
SELECT id, length(quick_notes) FROM itglue.organizations WHERE id IN (21, 22) ORDER BY id;
SELECT * FROM sim_requests();
DROP FOREIGN TABLE rc_all;

-- Entries belong to the API host and key: the same records read through
-- another host name (localhost for 127.0.0.1, the same simulator) are read
-- again, never taken from the first host's entries.
CREATE SERVER rc_other_host FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'other_host_url', max_concurrency '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER rc_other_host OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE rc_other_host_orgs (id bigint, quick_notes text) SERVER rc_other_host
  OPTIONS (resource 'organizations');
SELECT id, length(quick_notes) FROM rc_other_host_orgs WHERE id IN (21, 22) ORDER BY id;
SELECT * FROM sim_requests();
SELECT id, length(quick_notes) FROM rc_other_host_orgs WHERE id IN (21, 22) ORDER BY id;
SELECT * FROM sim_requests();

-- Off: it_glue_fdw.record_cache_mb = 0 reads every cut record again.
SET it_glue_fdw.record_cache_mb = 0;
SELECT id, length(quick_notes) FROM itglue.organizations WHERE id IN (21, 22) ORDER BY id;
SELECT * FROM sim_requests();
RESET it_glue_fdw.record_cache_mb;

SET client_min_messages = warning;
DROP SERVER rc_other_host CASCADE;
RESET client_min_messages;
SELECT sim_reset();
