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

-- Refused: the certificate is not signed by a trusted authority.  The
-- detail is libcurl's own text, worded differently by its releases.
DO $$
DECLARE
	state text;
	message text;
	detail text;
	hint text;
BEGIN
	PERFORM id, name FROM statuses_tls ORDER BY id;
	RAISE 'not refused';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
		detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
	RAISE NOTICE 'SQLSTATE %: %', state, message;
	RAISE NOTICE 'detail names the self-signed certificate: %',
		detail ~ 'SSL certificate .*self-signed certificate';
	RAISE NOTICE 'hint: %', hint;
END $$;

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

-- A server that offers HTTP/2: an h2 front (nghttpx) before the plain
-- simulator.  With libcurl 8.7.0 or later the pages of a scan go over one
-- multiplexed HTTP/2 connection; older libcurl (Debian 12's 7.88) stalls on
-- multiplexed transfers, so the FDW asks for HTTP/1.1 and uses up to
-- max_concurrency keep-alive connections.  Either way the simulator behind
-- it receives exactly the usual requests.
\set libcurl_vernum `curl-config --vernum`
\set h2_url `echo "$ITGLUE_H2_URL"`
\set h2_log `echo "$ITGLUE_H2_LOG"`
-- Only the access log lines written from here on count.
CREATE TEMP TABLE h2_log (line text);
\set h2_cmd 'cat ' :h2_log
COPY h2_log FROM PROGRAM :'h2_cmd';
SELECT count(*) + 1 AS h2_from FROM h2_log \gset
TRUNCATE h2_log;
CREATE SERVER sim_h2 FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'h2_url', ca_file :'ca_file', page_size '500', max_concurrency '4');
CREATE USER MAPPING FOR CURRENT_USER SERVER sim_h2 OPTIONS (api_key 'ITG.test-key');
CREATE FOREIGN TABLE orgs_h2 (id bigint, name text)
  SERVER sim_h2 OPTIONS (resource 'organizations', refetch_truncated 'false');
SELECT sim_clear();
SELECT count(*), min(id), max(id) FROM orgs_h2;
-- (pages 2 to 5 are in flight together: any order)
SELECT * FROM sim_requests() ORDER BY 1;
\set h2_cmd 'tail -n +' :h2_from ' ' :h2_log
COPY h2_log FROM PROGRAM :'h2_cmd';
SELECT CASE WHEN :'libcurl_vernum' >= '080700'
            THEN alpn = 'h2' AND connections = 1
            ELSE alpn = 'http/1.1' AND connections BETWEEN 1 AND 4 END AS protocol_as_expected,
       status, requests
  FROM (SELECT split_part(line, ' ', 2) AS alpn, split_part(line, ' ', 3) AS status,
               count(DISTINCT split_part(line, ' ', 1)) AS connections, count(*) AS requests
          FROM h2_log GROUP BY 1, 2) s;
-- The same rows as over HTTP/1.1.
SELECT count(*) AS differences FROM
  ((SELECT id, name FROM orgs_h2 EXCEPT SELECT id, name FROM itglue.organizations)
   UNION ALL
   (SELECT id, name FROM itglue.organizations EXCEPT SELECT id, name FROM orgs_h2)) d;

SET client_min_messages = warning;
DROP SERVER sim_tls CASCADE;
DROP SERVER sim_h2 CASCADE;
RESET client_min_messages;
