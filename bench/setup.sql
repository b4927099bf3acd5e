-- bench/setup.sql — objects the benchmark needs in its throwaway cluster.
-- psql variables: sim_url, api_key, clk_tck (getconf CLK_TCK).
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS it_glue_fdw;
CREATE EXTENSION IF NOT EXISTS plpython3u;

-- page_size 1000 and max_concurrency 4 are the defaults; they are spelled out
-- so the table in the output is unambiguous.  rate_window_requests is raised
-- from IT Glue's 3000 per 5 minutes so the pacer never holds the benchmark
-- back, and the record cache is off so that every run reads the cut
-- records again, as the alternatives it is set beside do.
ALTER ROLE CURRENT_USER SET it_glue_fdw.record_cache_mb = 0;
CREATE SERVER itglue FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url :'sim_url', page_size '1000', max_concurrency '4',
           rate_window_requests '10000000');
CREATE USER MAPPING FOR CURRENT_USER SERVER itglue OPTIONS (api_key :'api_key');
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organizations) FROM SERVER itglue INTO public;

-- The same table with refetch_truncated off: values list pages cut short
-- (quick-notes at 250 characters) are used as they are, so the scan sends the
-- 100 list requests only and returns what by_hand() returns.
CREATE SCHEMA list_values;
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organizations) FROM SERVER itglue INTO list_values;
ALTER FOREIGN TABLE list_values.organizations OPTIONS (ADD refetch_truncated 'false');

\ir by_hand.sql

-- Backend CPU time: utime + stime (fields 14 and 15 of /proc/<pid>/stat, in
-- clock ticks), read by the backend itself for its own pid.
CREATE FUNCTION bench_cpu_ticks() RETURNS bigint
LANGUAGE sql AS $$
  SELECT f[12]::bigint + f[13]::bigint
    FROM (SELECT string_to_array(substring(pg_read_file('/proc/' || pg_backend_pid() || '/stat')
                                           FROM '\) (.*)$'), ' ') AS f) s
$$;

CREATE FUNCTION bench_clk_tck() RETURNS int LANGUAGE sql IMMUTABLE RETURN :clk_tck;

-- Run one query (which returns one bigint) and measure it in this session:
-- wall time from clock_timestamp(), CPU from /proc/<backend pid>/stat.
CREATE FUNCTION bench_measure(q text, OUT wall_ms numeric, OUT cpu_ms numeric,
                              OUT result bigint)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz;
  c0 bigint;
BEGIN
  c0 := bench_cpu_ticks();
  t0 := clock_timestamp();
  EXECUTE q INTO result;
  wall_ms := round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1);
  cpu_ms := round((bench_cpu_ticks() - c0) * 1000.0 / bench_clk_tck(), 1);
END
$$;

-- Peak resident memory of this backend so far (VmHWM, kB).
CREATE FUNCTION bench_vmhwm_kb() RETURNS bigint
LANGUAGE sql AS $$
  SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'),
                       'VmHWM:\s+(\d+) kB'))[1]::bigint
$$;

CREATE FUNCTION bench_python_version() RETURNS text
LANGUAGE plpython3u AS $$
import sys
return sys.version.split()[0]
$$;
