--
-- limits: Retry-After values of every shape, and max_pages, which stops a
-- scan (and a lookup, and ANALYZE) at page 1 when page 1 announces more
-- pages than it allows.
--
\set sim_url `echo "$ITGLUE_SIM_URL"`
SELECT sim_reset();
CREATE SERVER sim_lim FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', max_retries '1', max_concurrency '1');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_lim OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE lim_statuses (id bigint, name text)
  SERVER sim_lim OPTIONS (resource 'organization_statuses');

-- ===================================================================
-- Retry-After values too large to wait for are clamped before any
-- arithmetic (inf, 1e30, a date in the year 9999) and fail at once, with
-- a hint that names the wait; the request is not sent again.
-- ===================================================================
SELECT clock_timestamp() AS t0 \gset
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 429, "retry_after": "inf"}}');
SELECT * FROM lim_statuses;
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 429, "retry_after": "1e30"}}');
SELECT * FROM lim_statuses;
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 503, "retry_after": "Fri, 31 Dec 9999 23:59:59 GMT"}}');
SELECT * FROM lim_statuses;
\echo :LAST_ERROR_SQLSTATE
SELECT clock_timestamp() - :'t0'::timestamptz < interval '2 seconds' AS at_once;
SELECT * FROM sim_requests();

-- ===================================================================
-- Values that are waited for: nan (unreadable: the backoff applies), -5
-- (clamped to 0) and a date in the past; each is retried once and the
-- rows are exact.
-- ===================================================================
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 429, "retry_after": "nan"}}');
SELECT * FROM lim_statuses ORDER BY id;
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 429, "retry_after": "-5"}}');
SELECT count(*) FROM lim_statuses;
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 503, "retry_after": "Thu, 01 Jan 1970 00:00:00 GMT"}}');
SELECT count(*) FROM lim_statuses;
SELECT * FROM sim_requests();

-- ===================================================================
-- A wait longer than statement_timeout leaves fails at once with a hint
-- naming it (instead of a cancel after the timeout); one that fits is
-- waited for.
-- ===================================================================
SET statement_timeout = '5s';
SELECT clock_timestamp() AS t0 \gset
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 429, "retry_after": "30"}}');
SELECT * FROM lim_statuses;
\echo :LAST_ERROR_SQLSTATE
SELECT clock_timestamp() - :'t0'::timestamptz < interval '2 seconds' AS at_once;
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 429, "retry_after": "1"}}');
SELECT count(*) FROM lim_statuses;
RESET statement_timeout;
SELECT * FROM sim_requests();

-- ===================================================================
-- max_pages: page 1 announces 3 pages of 1000 (2500 organizations), more
-- than the 2 allowed; the scan stops there, after exactly one request.
-- ===================================================================
CREATE FOREIGN TABLE lim_orgs (id bigint, name text, organization_status_name text)
  SERVER sim_lim OPTIONS (max_pages '2');
SELECT count(id) FROM lim_orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
-- ANALYZE reads the whole table: it stops at page 1 too.
ANALYZE lim_orgs;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();
-- A query that may stop early (LIMIT) reads only what it needs.
SELECT id, name FROM lim_orgs ORDER BY id LIMIT 2;
SELECT * FROM sim_requests();
-- A status lookup whose first page announces more pages than max_pages
-- (here a million) fails at once instead of reading a cut list of ids.
SELECT sim_fault('{"path": "/organization_statuses", "action": {"kind": "never_ending"}, "times": -1}');
ALTER FOREIGN TABLE lim_orgs OPTIONS (SET max_pages '100');
SELECT id FROM lim_orgs WHERE organization_status_name = 'Archived' AND id < 100;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');
SELECT * FROM sim_requests();

SET client_min_messages = warning;
DROP SERVER sim_lim CASCADE;
RESET client_min_messages;
SELECT sim_reset();
