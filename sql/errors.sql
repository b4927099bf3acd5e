--
-- errors: what users see when IT Glue, the network or a response goes
-- wrong.  Each case shows the message and its SQLSTATE.
--
\set sim_url `echo "$ITGLUE_SIM_URL"`
SELECT sim_reset();
CREATE SERVER sim_err FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', max_retries '2', max_concurrency '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_err OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE orgs (id bigint, name text) SERVER sim_err;
CREATE FOREIGN TABLE orgs_one (id bigint, name text) SERVER sim_err OPTIONS (max_pages '1');

-- ===================================================================
-- Authentication: 401 and 403 are both "check the key"
-- ===================================================================
CREATE SERVER sim_badkey FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url :'sim_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_badkey OPTIONS (api_key 'ITG.wrong-key');
CREATE FOREIGN TABLE orgs_badkey (id bigint) SERVER sim_badkey;
SELECT * FROM orgs_badkey;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"path": "/organizations", "action": {"status": 401, "body": "{\"errors\":[{\"status\":401,\"title\":\"Unauthorized\",\"detail\":\"Unauthorized resource access\"}]}", "content_type": "application/vnd.api+json"}}');
SELECT * FROM orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

-- ===================================================================
-- Routes that do not exist answer with an HTML page
-- ===================================================================
SELECT :'sim_url' || '/v2' AS wrong_url \gset
CREATE SERVER sim_wrongpath FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url :'wrong_url');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_wrongpath OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE orgs_wrongpath (id bigint) SERVER sim_wrongpath;
SELECT * FROM orgs_wrongpath;
\echo :LAST_ERROR_SQLSTATE

-- ===================================================================
-- Bodies that are not a usable page
-- ===================================================================
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "malformed"}}');
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "html200"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "missing_data"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "data_not_array"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "deep", "depth": 500}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "body": "", "content_type": "application/vnd.api+json"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "body": "[1,2,3]", "content_type": "application/vnd.api+json"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "body": "{\"data\":[{\"type\":\"organizations\"}]}", "content_type": "application/vnd.api+json"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "body": "{\"data\":[{\"id\":\"1\",\"attributes\":[]}]}", "content_type": "application/vnd.api+json"}}');
SELECT count(id) FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "body": "{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"a\\u0000b\"}}]}", "content_type": "application/vnd.api+json"}}');
SELECT name FROM orgs;
SELECT sim_fault('{"path": "/organizations", "action": {"status": 200, "body": "{\"data\":[]} trailing", "content_type": "application/vnd.api+json"}}');
SELECT count(id) FROM orgs;
SELECT * FROM sim_requests();

-- A wrong content type or a missing meta block still gives the right rows.
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "wrong_content_type"}, "times": -1}');
SELECT count(*), sum(id) FROM orgs;
SELECT sim_call('DELETE', '/_sim/faults');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "null_meta"}, "times": -1}');
SELECT count(*), sum(id) FROM orgs;
SELECT sim_call('DELETE', '/_sim/faults');
SELECT * FROM sim_requests();

-- ===================================================================
-- Paging that cannot be trusted
-- ===================================================================
-- The same records twice (page 2 repeats page 1).
SELECT sim_fault('{"path": "/organizations", "query_contains": "page[number]=2", "action": {"kind": "duplicate_page"}}');
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');
-- Paging that announces more pages forever (1000000 of them: max_pages
-- is raised so that the scan gets as far as the first empty page).
ALTER FOREIGN TABLE orgs OPTIONS (ADD max_pages '1000000');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "never_ending"}, "times": -1}');
SELECT count(id) FROM orgs;
SELECT sim_call('DELETE', '/_sim/faults');
ALTER FOREIGN TABLE orgs OPTIONS (DROP max_pages);
-- A page limit stops a scan that would need more pages.
SELECT count(id) FROM orgs_one;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

-- ===================================================================
-- A response larger than max_response_mb
-- ===================================================================
ALTER SERVER sim_err OPTIONS (ADD max_response_mb '1');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "huge", "bytes": 3000000}}');
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER sim_err OPTIONS (DROP max_response_mb);

-- ===================================================================
-- Retries: 5xx, 429 (with and without Retry-After) and broken
-- transfers are retried with backoff; the rows are exact.
-- ===================================================================
SELECT * FROM sim_requests();
SELECT sim_fault('{"path": "/organizations", "action": {"status": 503}}');
SELECT sim_fault('{"path": "/organizations", "action": {"status": 429, "retry_after": "1"}}');
SELECT sim_fault('{"path": "/organizations", "action": {"status": 429}}');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "truncated"}}');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "close"}}');
ALTER SERVER sim_err OPTIONS (SET max_retries '5');
SELECT * FROM explain('ANALYZE, BUFFERS OFF, COSTS OFF, TIMING OFF, SUMMARY OFF',
                      'SELECT * FROM orgs');
SELECT count(*), sum(id) FROM orgs;
SELECT * FROM sim_requests();
ALTER SERVER sim_err OPTIONS (SET max_retries '2');

-- After max_retries the error says so.
SELECT sim_fault('{"path": "/organizations", "action": {"status": 502, "html": true}, "times": -1}');
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');
SELECT sim_fault('{"path": "/organizations", "action": {"status": 429}, "times": -1}');
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');
SELECT * FROM sim_requests();

-- A Retry-After longer than two minutes is not slept through.
SELECT sim_fault('{"path": "/organizations", "action": {"status": 429, "retry_after": "3600"}}');
SELECT count(id) FROM orgs;
SELECT * FROM sim_requests();

-- ===================================================================
-- Network failures and timeouts (detail hidden: it has timings)
-- ===================================================================
\set VERBOSITY terse
CREATE SERVER sim_closed FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url 'http://127.0.0.1:9', max_retries '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_closed OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE orgs_closed (id bigint) SERVER sim_closed;
SELECT * FROM orgs_closed;
\echo :LAST_ERROR_SQLSTATE
ALTER SERVER sim_err OPTIONS (ADD timeout_ms '500', SET max_retries '1');
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "stall", "seconds": 5}, "times": -1}');
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');
SELECT count(*) FROM sim_requests();
ALTER SERVER sim_err OPTIONS (SET timeout_ms '30000');

-- A stalled request is cancelled by statement_timeout at once, and the
-- next query works.
SELECT sim_fault('{"path": "/organizations", "action": {"kind": "stall", "seconds": 5}}');
SET statement_timeout = '300ms';
SELECT count(id) FROM orgs;
\echo :LAST_ERROR_SQLSTATE
RESET statement_timeout;
SELECT count(id) FROM orgs;
\set VERBOSITY default

DROP SERVER sim_err, sim_badkey, sim_wrongpath, sim_closed CASCADE;
SELECT sim_reset();
