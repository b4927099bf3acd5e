--
-- pacing: one bucket per API host and key, shared by every backend (the
-- harness preloads the library).  Servers with the same host and key
-- share a bucket; servers with other keys never share or reset it, however
-- many of them there are.  This file runs last: it leaves the shared
-- table full for a minute.
--
-- The keys here are not the simulator's, so every request that goes out
-- is answered 403 (28000) at once; a request held back by pacing is
-- cancelled by statement_timeout instead (57014).
--
\set sim_url `echo "$ITGLUE_SIM_URL"`
SELECT sim_reset();
SET client_min_messages = warning;
CREATE FUNCTION pace_server(name text, per_minute int, key text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url %L, requests_per_minute %L, rate_window_seconds ''1'', max_retries ''0'')',
				   name, (SELECT url FROM sim_conf), per_minute);
	EXECUTE format('CREATE USER MAPPING FOR CURRENT_USER SERVER %I OPTIONS (api_key %L)', name, key);
	EXECUTE format('CREATE FOREIGN TABLE %I (id bigint) SERVER %I OPTIONS (resource ''organization_statuses'')',
				   name || '_t', name);
END $$;
-- 4 requests a minute: after one request, the next waits 15 s (the timeout, 1 s, comes first).
SELECT pace_server('pace_a', 4, 'ITG.pace-shared');
SELECT pace_server('pace_b', 4, 'ITG.pace-shared');
SELECT pace_server('pace_c', 4, 'ITG.pace-other');
RESET client_min_messages;

-- ===================================================================
-- The window, the way IT Glue counts: here the simulator allows 10
-- requests per key in any 2 s and answers 429 past that.  A scan of 13
-- pages on a server told the same window sends a burst of 9 (10 less the
-- headroom), then the rest once the burst has left the window: no 429,
-- and the scan takes over 2 s.
-- ===================================================================
SELECT sim_config('{"rate_limit_requests": 10, "rate_limit_window_s": 2}');
CREATE SERVER window_sim FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', rate_window_requests '10', rate_window_seconds '2',
           max_retries '0', page_size '200');
CREATE USER MAPPING FOR CURRENT_USER SERVER window_sim OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE window_orgs (id bigint) SERVER window_sim OPTIONS (resource 'organizations');
SELECT pg_sleep(2.1);		-- the shared bucket's window empties
SELECT clock_timestamp() AS started \gset
SELECT count(*), sum(id) FROM window_orgs;
SELECT clock_timestamp() - :'started' > interval '2 s' AS waited_for_the_window;
SELECT line::jsonb -> 'by_status' AS statuses FROM sim_call('GET', '/_sim/stats') line;
SELECT count(*) AS requests FROM sim_requests();
-- The same scan on a server that does not know the window: the
-- simulator's limiter answers 429 (so the test above proves the pacing).
SELECT pg_sleep(2.1);
SELECT sim_call('DELETE', '/_sim/stats');
ALTER SERVER window_sim OPTIONS (SET rate_window_requests '1000000');
\set VERBOSITY terse
SELECT count(*), sum(id) FROM window_orgs;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT (line::jsonb -> 'by_status' ->> '429')::int > 0 AS refused
FROM sim_call('GET', '/_sim/stats') line;
SELECT sim_reset();
SET client_min_messages = warning;
DROP SERVER window_sim CASCADE;
RESET client_min_messages;

-- ===================================================================
-- it_glue_fdw_usage: per server, what its host and key's requests did.
-- A key of its own (IT Glue refuses it: 403), so the figures are exactly
-- this section's: two lists (one refused with 429 and tried again), one
-- record read by id, one write.
-- ===================================================================
CREATE SERVER usage_sim FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER usage_sim OPTIONS (api_key 'ITG.usage-key');
CREATE FOREIGN TABLE usage_orgs (id bigint, name text) SERVER usage_sim OPTIONS (resource 'organizations');
SELECT * FROM it_glue_fdw_usage WHERE server = 'usage_sim';
\set VERBOSITY terse
SELECT * FROM usage_orgs;
SELECT * FROM usage_orgs WHERE id = 5;
SELECT sim_fault('{"path": "/organizations", "times": 1, "action": {"status": 429, "retry_after": "0"}}');
SELECT * FROM usage_orgs;
INSERT INTO usage_orgs (name) VALUES ('Usage Test');
\set VERBOSITY default
SELECT window_seconds, window_limit, window_allowance, window_used, window_remaining,
       list_requests, show_requests, write_requests, rate_limited, retries,
       bytes > 0 AS bytes, shared
FROM it_glue_fdw_usage WHERE server = 'usage_sim';
SELECT * FROM sim_requests();
-- Without a user mapping of your own, a server shows nothing.
CREATE ROLE usage_other;
GRANT SELECT ON it_glue_fdw_usage TO usage_other;
SET ROLE usage_other;
SELECT count(*) FROM it_glue_fdw_usage;
RESET ROLE;
REVOKE SELECT ON it_glue_fdw_usage FROM usage_other;
DROP ROLE usage_other;
SET client_min_messages = warning;
DROP SERVER usage_sim CASCADE;
RESET client_min_messages;

\set VERBOSITY terse
SET statement_timeout = '1s';

-- ===================================================================
-- Same host and key: one bucket.  pace_a takes its only request; pace_b,
-- another server with the same key, has to wait for it.
-- ===================================================================
SELECT * FROM pace_a_t;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pace_b_t;
\echo :LAST_ERROR_SQLSTATE
-- Another key on the same host: a bucket of its own, not held back.
SELECT * FROM pace_c_t;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

-- ===================================================================
-- 130 more servers, each with a key of its own and one request (more than
-- the 128 buckets of the shared table): none takes over or resets the
-- bucket of pace_a and pace_b, which still holds them back.
-- ===================================================================
RESET statement_timeout;
SET client_min_messages = warning;
DO $$
BEGIN
	FOR i IN 1..130 LOOP
		-- A bucket is free again once its 1 s window is empty.
		IF i % 50 = 0 THEN
			PERFORM pg_sleep(2.1);
		END IF;
		PERFORM pace_server('pace_s' || i, 1000000, 'ITG.pace-' || i);
		BEGIN
			EXECUTE format('SELECT * FROM %I', 'pace_s' || i || '_t');
		EXCEPTION WHEN invalid_authorization_specification THEN
			NULL;
		END;
	END LOOP;
END $$;
RESET client_min_messages;
SELECT count(*) FROM sim_requests();
SET statement_timeout = '1s';
SELECT * FROM pace_a_t;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pace_b_t;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
RESET statement_timeout;

-- ===================================================================
-- When every bucket is in use (here by 140 keys at 1 request a minute,
-- each bucket refilling for 60 s), a newcomer shares one overflow bucket
-- with the other newcomers (held back, never let through faster), and each
-- backend says so once.  Each step is its own statement, so that the
-- newcomers held back end at their statement_timeout.
-- ===================================================================
SET client_min_messages = warning;
SELECT pace_server('pace_full', 1, 'ITG.full-0');
CREATE FUNCTION pace_fill(i int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('ALTER USER MAPPING FOR CURRENT_USER SERVER pace_full OPTIONS (SET api_key %L)',
				   'ITG.full-' || i);
	BEGIN
		PERFORM * FROM pace_full_t;
	EXCEPTION WHEN invalid_authorization_specification OR query_canceled THEN
		NULL;
	END;
	RETURN i;
END $$;
-- Filling the table (this backend's warning is not shown: where it comes
-- depends on how many buckets earlier tests left in use, as each window
-- keeps its bucket for rate_window_seconds after its last request).
SET client_min_messages = error;
SET statement_timeout = '300ms';
\o /dev/null
\set ECHO none
SELECT format('SELECT pace_fill(%s)', i) FROM generate_series(1, 140) i \gexec
\set ECHO all
\o
RESET statement_timeout;
RESET client_min_messages;
-- Fewer requests reached IT Glue than keys were tried: the newcomers past
-- the first overflow were held back.
SELECT count(*) < 140 AS held_back FROM sim_requests();
-- A new backend: its first newcomer gets the warning (and is held back),
-- the next one is held back without it.
\c -
\set VERBOSITY terse
SET statement_timeout = '300ms';
SELECT pace_fill(141);
SELECT pace_fill(142);
RESET statement_timeout;
SELECT count(*) FROM sim_requests();

\set VERBOSITY default
SET client_min_messages = warning;
DROP FUNCTION pace_fill(int);
DROP FUNCTION pace_server(text, int, text);
DROP SERVER pace_a, pace_b, pace_c, pace_full CASCADE;
DO $$
BEGIN
	FOR i IN 1..130 LOOP
		EXECUTE format('DROP SERVER %I CASCADE', 'pace_s' || i);
	END LOOP;
END $$;
RESET client_min_messages;
SELECT sim_reset();
