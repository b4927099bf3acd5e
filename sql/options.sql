--
-- options: every option is checked when it is set, with a clear error.
--
\set sim_url `echo "$ITGLUE_SIM_URL"`

-- ===================================================================
-- Unknown options, and options on the wrong object
-- ===================================================================
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (hostname 'x');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (resource 'organizations');
CREATE FOREIGN DATA WRAPPER it_glue_fdw2 HANDLER it_glue_fdw_handler
  VALIDATOR it_glue_fdw_validator OPTIONS (url 'https://api.itglue.com');
CREATE FOREIGN TABLE bad_t (id bigint) SERVER sim OPTIONS (url 'https://api.itglue.com');
CREATE FOREIGN TABLE bad_t (id bigint OPTIONS (column_name 'x')) SERVER sim;
CREATE USER MAPPING FOR PUBLIC SERVER sim OPTIONS (user 'x');

-- The key belongs on a user mapping, nowhere else.
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (api_key 'not-the-real-key');
CREATE FOREIGN TABLE bad_t (id bigint) SERVER sim OPTIONS (api_key 'not-the-real-key');
CREATE FOREIGN TABLE bad_t (id bigint OPTIONS (api_key 'not-the-real-key')) SERVER sim;
CREATE USER MAPPING FOR PUBLIC SERVER sim OPTIONS (api_key '');

-- ===================================================================
-- url and region
-- ===================================================================
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url 'https://api.eu.itglue.com', region 'eu');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (region 'mars');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'ftp://api.itglue.com');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'http://api.itglue.com');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'http://10.0.0.5:8080');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'https://user:pw@api.itglue.com');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'https://api.itglue.com/?a=b');
CREATE SERVER eu FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (region 'eu');
ALTER SERVER eu OPTIONS (ADD url 'https://api.eu.itglue.com');
ALTER SERVER eu OPTIONS (SET region 'au');
CREATE SERVER loop1 FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'http://localhost:1');
CREATE SERVER loop2 FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'http://127.0.0.2:1/');
CREATE SERVER loop3 FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'http://[::1]:1');
CREATE SERVER other FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'https://itglue.example.com');
SELECT srvname, srvoptions FROM pg_foreign_server
 WHERE srvname IN ('eu', 'loop1', 'loop2', 'loop3', 'other') ORDER BY srvname;

-- ===================================================================
-- Numbers and booleans
-- ===================================================================
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (page_size '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (page_size '1001');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (page_size 'ten');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (page_size '10x');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (timeout_ms '-1');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (connect_timeout_ms '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (max_retries '101');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (max_concurrency '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (requests_per_minute '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (rate_window_requests '1');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (rate_window_seconds '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (rate_window_seconds '901');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (max_response_mb '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (max_pages '0');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (updatable 'maybe');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (allow_delete 'sure');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (use_remote_estimate '2');
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (refetch_truncated 'yes please');
CREATE SERVER ok1 FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (page_size '1', timeout_ms '1000', connect_timeout_ms '500', max_retries '0',
           max_concurrency '8', requests_per_minute '3000', max_response_mb '16',
           rate_window_requests '3000', rate_window_seconds '300',
           max_pages '10', updatable 'false', allow_delete 'true', use_remote_estimate 'on',
           refetch_truncated 'off');
ALTER SERVER ok1 OPTIONS (SET page_size '1000');
ALTER SERVER ok1 OPTIONS (SET page_size '0');

-- ===================================================================
-- Tables and columns
-- ===================================================================
CREATE FOREIGN TABLE bad_t (id bigint) SERVER sim OPTIONS (resource 'tickets');
CREATE FOREIGN TABLE bad_t (id bigint) SERVER sim OPTIONS (page_size '5000');
CREATE FOREIGN TABLE bad_t (id bigint OPTIONS (attribute '')) SERVER sim;
CREATE FOREIGN TABLE good_t (id bigint, nm text OPTIONS (attribute 'name'))
  SERVER sim OPTIONS (resource 'organization_types', page_size '2', updatable 'false');
ALTER FOREIGN TABLE good_t OPTIONS (SET resource 'nope');
ALTER FOREIGN TABLE good_t ALTER COLUMN nm OPTIONS (ADD url 'x');
SELECT id, nm FROM good_t ORDER BY id;
SELECT * FROM sim_requests();
DROP FOREIGN TABLE good_t;

-- ===================================================================
-- Who may set what
-- ===================================================================
CREATE ROLE itg_analyst LOGIN;
GRANT USAGE ON FOREIGN DATA WRAPPER it_glue_fdw TO itg_analyst;
GRANT USAGE ON SCHEMA itglue TO itg_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA itglue TO itg_analyst;
GRANT USAGE ON FOREIGN SERVER sim TO itg_analyst;
SET ROLE itg_analyst;
-- A non-superuser cannot aim a server at an arbitrary host...
CREATE SERVER mine FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'https://attacker.example.com');
CREATE SERVER mine FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'https://api.itglue.com.attacker.example');
CREATE SERVER mine FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url :'sim_url');
-- ...nor choose which certificates are trusted...
CREATE SERVER mine FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url 'https://api.eu.itglue.com', ca_file '/tmp/ca.pem');
-- ...but IT Glue's own hosts are fine.
CREATE SERVER mine FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url 'https://api.eu.itglue.com');
DROP SERVER mine;
-- Without a user mapping there is no key to use.
SELECT count(*) FROM itglue.organizations;
RESET ROLE;
-- A user mapping without a key.
CREATE USER MAPPING FOR itg_analyst SERVER sim;
SET ROLE itg_analyst;
SELECT count(*) FROM itglue.organizations;
RESET ROLE;
CREATE SERVER bad FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (ca_file 'relative.pem');
-- The key is hidden from users who do not own the mapping.
ALTER USER MAPPING FOR itg_analyst SERVER sim OPTIONS (ADD api_key 'not-the-real-key');
SET ROLE itg_analyst;
SELECT srvname, umoptions FROM pg_user_mappings WHERE usename = 'postgres';
RESET ROLE;
DROP USER MAPPING FOR itg_analyst SERVER sim;
REVOKE ALL ON ALL TABLES IN SCHEMA itglue FROM itg_analyst;
REVOKE ALL ON SCHEMA itglue FROM itg_analyst;
REVOKE ALL ON FOREIGN SERVER sim FROM itg_analyst;
REVOKE ALL ON FOREIGN DATA WRAPPER it_glue_fdw FROM itg_analyst;
DROP ROLE itg_analyst;

DROP SERVER eu, loop1, loop2, loop3, other, ok1;
SELECT * FROM sim_requests();
