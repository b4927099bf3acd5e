--
-- cancel: a request in flight stops at once on pg_cancel_backend,
-- statement_timeout or pg_terminate_backend, and the session stays usable.
-- (The bounds below are generous: a stall lasts 20 s, a cancel must land in
-- well under one.)
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
RESET client_min_messages;
SELECT sim_reset();
SELECT format('dbname=%s host=%s port=%s', current_database(),
              current_setting('unix_socket_directories'), current_setting('port')) AS connstr \gset

-- Wait until the other session is stalled inside an IT Glue request.
CREATE FUNCTION wait_for_stall() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	w text;
BEGIN
	FOR i IN 1..200 LOOP
		-- Within one transaction the statistics snapshot is cached: drop it.
		PERFORM pg_stat_clear_snapshot();
		SELECT wait_event_type INTO w FROM pg_stat_activity
		 WHERE query LIKE 'SELECT count(id) FROM itglue.organizations%' AND pid <> pg_backend_pid();
		IF w = 'Extension' THEN
			RETURN w;
		END IF;
		PERFORM pg_sleep(0.05);
	END LOOP;
	RETURN coalesce(w, 'not found');
END $$;

-- ===================================================================
-- pg_cancel_backend from another session
-- ===================================================================
SELECT dblink_connect('other', :'connstr');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "stall", "seconds": 20}}');
SELECT dblink_send_query('other', 'SELECT count(id) FROM itglue.organizations');
-- While it waits, the backend sleeps on its latch and the socket together.
SELECT wait_for_stall() AS wait_event_type;
SELECT clock_timestamp() AS t0 \gset
SELECT pg_cancel_backend(pid) FROM pg_stat_activity
 WHERE query LIKE 'SELECT count(id) FROM itglue.organizations%' AND pid <> pg_backend_pid();
SELECT * FROM dblink_get_result('other', false) AS t(n bigint);
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 second' AS cancelled_at_once;
SELECT * FROM dblink_get_result('other') AS t(n bigint);
-- The same session goes on working.
SELECT * FROM dblink('other', 'SELECT count(id) FROM itglue.organizations') AS t(n bigint);

-- ===================================================================
-- statement_timeout during a stall; a Retry-After wait longer than the
-- statement has left fails at once instead (with a hint naming the wait)
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "stall", "seconds": 20}}');
SET statement_timeout = '400ms';
SELECT clock_timestamp() AS t0 \gset
SELECT count(id) FROM itglue.organizations;
\echo :LAST_ERROR_SQLSTATE
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 second' AS cancelled_at_once;
SELECT sim_call('DELETE', '/_sim/faults');
SELECT sim_fault('{"path": "/organizations", "action": {"status": 429, "retry_after": "60"}}');
SELECT clock_timestamp() AS t0 \gset
SELECT count(id) FROM itglue.organizations;
\echo :LAST_ERROR_SQLSTATE
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 second' AS cancelled_at_once;
RESET statement_timeout;
SELECT sim_call('DELETE', '/_sim/faults');
SELECT count(id) FROM itglue.organizations;

-- ===================================================================
-- pg_terminate_backend ends a stalled session at once
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "stall", "seconds": 20}}');
SELECT dblink_send_query('other', 'SELECT count(id) FROM itglue.organizations');
SELECT wait_for_stall() AS wait_event_type;
SELECT pid AS other_pid FROM pg_stat_activity
 WHERE query LIKE 'SELECT count(id) FROM itglue.organizations%' AND pid <> pg_backend_pid() \gset
SELECT clock_timestamp() AS t0 \gset
SELECT pg_terminate_backend(:other_pid, 5000);
SELECT count(*) AS still_there FROM pg_stat_activity WHERE pid = :other_pid;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '1 second' AS terminated_at_once;
SELECT dblink_disconnect('other');
SELECT sim_call('DELETE', '/_sim/faults');

-- ===================================================================
-- Pacing: requests_per_minute holds requests back (here 4 a minute, so
-- after the first request the next waits 15 s: the timeout comes first,
-- and only one request reached IT Glue)
-- ===================================================================
SELECT sim_clear();
\set sim_url `echo "$ITGLUE_SIM_URL"`
CREATE SERVER sim_slow FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', requests_per_minute '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_slow OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE statuses_slow (id bigint, name text)
  SERVER sim_slow OPTIONS (resource 'organization_statuses', page_size '2');
SET statement_timeout = '2s';
SELECT count(id) FROM statuses_slow;
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT * FROM sim_requests();
-- With it_glue_fdw in shared_preload_libraries (as the test harness runs
-- it), every backend draws from the same bucket: another session waits too.
SELECT dblink_connect('other', :'connstr');
SELECT dblink_exec('other', 'SET statement_timeout = ''1s''');
SELECT * FROM dblink('other', 'SELECT count(id) FROM statuses_slow') AS t(n bigint);
SELECT dblink_disconnect('other');
SELECT * FROM sim_requests();
SET client_min_messages = warning;
DROP SERVER sim_slow CASCADE;
RESET client_min_messages;
DROP FUNCTION wait_for_stall();
