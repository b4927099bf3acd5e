--
-- redact: texts taken from IT Glue's answers are safe for messages.
--
-- The simulator echoes the x-api-key it was sent (fault action "echo_key"),
-- in every form below; the messages must show it redacted, and
-- test/run-tests.sh checks that the server log (at debug5) never has it,
-- raw, percent-encoded or \u-escaped.
--
\set sim_url `echo "$ITGLUE_SIM_URL"`
SELECT sim_reset();
CREATE SERVER sim_echo FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', max_retries '0', max_concurrency '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_echo OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE echo_orgs (id bigint, name text) SERVER sim_echo;

-- ===================================================================
-- The key in an error body: a JSON:API error, raw and \u-escaped
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"status": 403, "echo_key": "json"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 403, "echo_key": "json_escaped"}}');
SELECT * FROM echo_orgs;

-- ===================================================================
-- In an HTML page (an error, one sent with status 200, one with character
-- references), upper-cased, percent-encoded in a link, inside a longer
-- token, and straddling the end of the excerpt (no prefix of it shows
-- either)
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"status": 404, "echo_key": "html"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "echo_key": "html"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 404, "echo_key": "html_entities"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 400, "echo_key": "upper"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 404, "echo_key": "url"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 400, "echo_key": "token"}}');
SELECT * FROM echo_orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 404, "echo_key": "cut"}}');
SELECT * FROM echo_orgs;

-- ===================================================================
-- Any x-api-key value is redacted, whatever it is (here the key reversed)
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"status": 400, "echo_key": "other_key"}}');
SELECT * FROM echo_orgs;

-- ===================================================================
-- In a header the message quotes (Content-Type)
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"status": 400, "echo_key": "content_type"}}');
SELECT * FROM echo_orgs;

-- ===================================================================
-- As a record's id: in PostgreSQL's own conversion error and its context
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "echo_key": "record_id"}}');
SELECT id FROM echo_orgs;

-- ===================================================================
-- In the answer to a write
-- ===================================================================
SELECT sim_fault('{"method": "POST", "path": "/organizations", "action": {"status": 422, "echo_key": "json"}}');
INSERT INTO echo_orgs (name) VALUES ('Echo Ltd');
\echo :LAST_ERROR_SQLSTATE

-- ===================================================================
-- Caught in PL/pgSQL, the message and detail are redacted too
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"status": 403, "echo_key": "json"}}');
DO $$
DECLARE
	msg text;
	det text;
BEGIN
	PERFORM * FROM echo_orgs;
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
	RAISE NOTICE 'caught: % / % / key shown: %', msg, det,
		position('test-key' IN msg || det) > 0;
END $$;

-- Every request above really went out (and got the echoing answer).
SELECT * FROM sim_requests();

-- ===================================================================
-- Bytes that are not UTF-8 in an excerpt (a gateway answering in
-- Latin-1) are escaped, so that a client in LATIN1 or SJIS is shown the
-- real error, not an encoding error
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "times": 2, "action": {"status": 503, "body": "Service momentanément indisponible", "encoding": "latin-1"}}');
SET client_encoding = 'LATIN1';
SELECT * FROM echo_orgs;
\echo :LAST_ERROR_SQLSTATE
SET client_encoding = 'SJIS';
SELECT * FROM echo_orgs;
\echo :LAST_ERROR_SQLSTATE
RESET client_encoding;

-- ===================================================================
-- The log hook knows every key this backend has sent, however many (here
-- 20 more after it): a message quoting one is redacted too.
-- ===================================================================
SET client_min_messages = warning;
CREATE SERVER sim_many FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_many OPTIONS (api_key 'ITG.many-0');
CREATE FOREIGN TABLE many_statuses (id bigint)
  SERVER sim_many OPTIONS (resource 'organization_statuses');
DO $$
BEGIN
	FOR i IN 1..20 LOOP
		EXECUTE format('ALTER USER MAPPING FOR CURRENT_USER SERVER sim_many OPTIONS (SET api_key %L)',
					   'ITG.many-' || i);
		BEGIN
			PERFORM * FROM many_statuses;
		EXCEPTION WHEN invalid_authorization_specification THEN
			NULL;
		END;
	END LOOP;
END $$;
RESET client_min_messages;
DO $$ BEGIN RAISE NOTICE 'a message quoting %', 'ITG.test' || '-key'; END $$;
SELECT count(*) FROM sim_requests();

SET client_min_messages = warning;
DROP SERVER sim_echo, sim_many CASCADE;
RESET client_min_messages;
SELECT sim_reset();
