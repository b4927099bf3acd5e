--
-- tls: https is verified; a self-signed server is refused until a
-- superuser names its CA with ca_file.  Redirects are never followed.
--
\set tls_url `echo "$ITGLUE_SIM_TLS_URL"`
\set ca_file `echo "$ITGLUE_SIM_CA"`
CREATE SERVER sim_tls FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'tls_url', max_retries '0');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_tls OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE statuses_tls (id bigint, name text)
  SERVER sim_tls OPTIONS (resource 'organization_statuses');

-- Refused: the certificate is not signed by a trusted authority.
SELECT id, name FROM statuses_tls ORDER BY id;
\echo :LAST_ERROR_SQLSTATE

-- Trusted once a superuser gives the CA file.
ALTER SERVER sim_tls OPTIONS (ADD ca_file :'ca_file');
SELECT id, name FROM statuses_tls ORDER BY id;

-- A CA file that does not exist is an error, not a silent downgrade.
ALTER SERVER sim_tls OPTIONS (SET ca_file '/nonexistent/ca.pem');
\set VERBOSITY terse
SELECT id, name FROM statuses_tls ORDER BY id;
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default

-- The plain-http simulator never redirects us anywhere: a 3xx is an error.
SELECT sim_fault('{"path": "/organization_statuses", "action": {"status": 302, "body": "<html><body>moved</body></html>", "content_type": "text/html"}}');
SELECT id FROM itglue.organization_statuses;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM sim_requests();

SET client_min_messages = warning;
DROP SERVER sim_tls CASCADE;
RESET client_min_messages;
