--
-- setup: the server, user mapping and helpers every later test uses.
--
-- The simulator's address comes from the environment (test/run-tests.sh).
\set sim_url `echo "$ITGLUE_SIM_URL"`
SET client_min_messages = warning;

-- ===================================================================
-- Helpers that talk to the simulator's control API through curl.
-- ===================================================================
CREATE TABLE sim_conf AS SELECT :'sim_url'::text AS url;

CREATE FUNCTION shell_quote(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT '''' || replace(s, '''', '''\''''') || '''' $$;

-- sim_call: one control request; each line of the answer is a row.
CREATE FUNCTION sim_call(method text, path text, body text DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
	cmd text;
BEGIN
	cmd := format('curl -sS -X %s %s', method,
				  shell_quote((SELECT url FROM sim_conf) || path));
	IF body IS NOT NULL THEN
		cmd := cmd || ' -H ''Content-Type: application/json'' --data-binary '
			|| shell_quote(body);
	END IF;
	CREATE TEMP TABLE IF NOT EXISTS sim_out (n serial, line text);
	TRUNCATE sim_out;
	-- The separators are control characters no log line contains.
	EXECUTE format('COPY sim_out (line) FROM PROGRAM %L '
				   'WITH (FORMAT csv, DELIMITER E''\x1f'', QUOTE E''\x1e'')', cmd);
	RETURN QUERY SELECT line FROM sim_out WHERE line IS NOT NULL ORDER BY n;
END $$;

-- sim_requests: the requests the FDW sent since the last call, decoded.
CREATE FUNCTION sim_requests() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT sim_call('GET', '/_sim/log?format=text&decode=1&clear=1')
$$;

-- sim_requests_raw: the same, exactly as sent (percent-encoded).
CREATE FUNCTION sim_requests_raw() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT sim_call('GET', '/_sim/log?format=text&clear=1')
$$;

CREATE FUNCTION sim_clear() RETURNS void LANGUAGE sql AS $$
	SELECT count(*) FROM sim_call('DELETE', '/_sim/log');
	SELECT NULL::void;
$$;

CREATE FUNCTION sim_reset() RETURNS void LANGUAGE sql AS $$
	SELECT count(*) FROM sim_call('POST', '/_sim/reset', '{}');
	SELECT NULL::void;
$$;

CREATE FUNCTION sim_config(cfg text) RETURNS void LANGUAGE sql AS $$
	SELECT count(*) FROM sim_call('POST', '/_sim/config', cfg);
	SELECT NULL::void;
$$;

-- sim_api: an API request with the key, as another IT Glue client would
-- send it (a change made outside this database).
CREATE FUNCTION sim_api(method text, path text, body text) RETURNS void
LANGUAGE plpgsql SET client_min_messages = warning AS $$
BEGIN
	CREATE TEMP TABLE IF NOT EXISTS sim_api_out (line text);
	EXECUTE format('COPY sim_api_out FROM PROGRAM %L WITH (FORMAT csv, DELIMITER E''\x1f'', QUOTE E''\x1e'')',
				   format('curl -sS -o /dev/null -X %s -H ''x-api-key: ITG.test-key'' -H ''Content-Type: application/vnd.api+json'' --data-binary %s %s',
						  method, shell_quote(body), shell_quote((SELECT url FROM sim_conf) || path)));
END $$;

-- sim_fault: add one fault rule (see test/sim/README.md).
CREATE FUNCTION sim_fault(rule text) RETURNS void LANGUAGE sql AS $$
	SELECT count(*) FROM sim_call('POST', '/_sim/faults', '[' || rule || ']');
	SELECT NULL::void;
$$;

-- explain: EXPLAIN (options) query, as PostgreSQL 15 and 17 write it:
-- PostgreSQL 18's fractional row counts ("rows=2500.00") are whole again.
CREATE FUNCTION explain(options text, query text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	line text;
BEGIN
	FOR line IN EXECUTE format('EXPLAIN (%s) %s', options, query) LOOP
		RETURN NEXT regexp_replace(line, '(rows=\d+)\.00\M', '\1', 'g');
	END LOOP;
END $$;

RESET client_min_messages;

-- ===================================================================
-- The server, the key, and the tables.
-- ===================================================================
SELECT extname, extversion FROM pg_extension WHERE extname = 'it_glue_fdw';
SELECT fdwname, fdwhandler::regproc, fdwvalidator::regproc
  FROM pg_foreign_data_wrapper WHERE fdwname = 'it_glue_fdw';

CREATE SERVER sim FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', max_concurrency '1', requests_per_minute '100000');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim OPTIONS (api_key 'ITG.test-key');
CREATE SCHEMA itglue;
IMPORT FOREIGN SCHEMA itglue FROM SERVER sim INTO itglue;

SELECT sim_reset();
SELECT count(*) FROM itglue.organizations;
SELECT * FROM sim_requests();
