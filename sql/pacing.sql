--
-- pacing: one bucket per API host and key, shared by every backend (the
-- harness preloads the library).  Servers with the same host and key
-- share a bucket; servers with other keys never share or reset it, however
-- many of them there are.  This file runs last: it leaves the shared
-- table full for half a minute.
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
	EXECUTE format('CREATE SERVER %I FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url %L, requests_per_minute %L, max_retries ''0'')',
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
-- When every bucket is in use (here by 140 keys at 2 requests a minute,
-- each bucket refilling for 30 s), a newcomer shares one overflow bucket
-- with the other newcomers (held back, never let through faster), and each
-- backend says so once.  Each step is its own statement, so that the
-- newcomers held back end at their statement_timeout.
-- ===================================================================
SET client_min_messages = warning;
SELECT pace_server('pace_full', 2, 'ITG.full-0');
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
-- depends on how many buckets earlier tests left in use).
SET client_min_messages = error;
SET statement_timeout = '300ms';
\o /dev/null
SELECT pace_fill(i) FROM generate_series(1, 20) i;
SELECT pace_fill(i) FROM generate_series(21, 40) i;
SELECT pace_fill(i) FROM generate_series(41, 60) i;
SELECT pace_fill(i) FROM generate_series(61, 80) i;
SELECT pace_fill(i) FROM generate_series(81, 100) i;
SELECT pace_fill(i) FROM generate_series(101, 120) i;
SELECT pace_fill(121);
SELECT pace_fill(122);
SELECT pace_fill(123);
SELECT pace_fill(124);
SELECT pace_fill(125);
SELECT pace_fill(126);
SELECT pace_fill(127);
SELECT pace_fill(128);
SELECT pace_fill(129);
SELECT pace_fill(130);
SELECT pace_fill(131);
SELECT pace_fill(132);
SELECT pace_fill(133);
SELECT pace_fill(134);
SELECT pace_fill(135);
SELECT pace_fill(136);
SELECT pace_fill(137);
SELECT pace_fill(138);
SELECT pace_fill(139);
SELECT pace_fill(140);
\o
RESET statement_timeout;
RESET client_min_messages;
-- Fewer requests reached IT Glue than keys were tried: the newcomers past
-- the first overflow were held back.
SELECT count(*) BETWEEN 121 AND 139 AS held_back FROM sim_requests();
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
