#!/usr/bin/env bash
# test/memory-test.sh — backend memory stays flat.
#
# 1. A full scan of 100,000 organizations peaks within a few MB of a scan of
#    10,000: pages are streamed, not accumulated.
# 2. 10,000 rescans (one request each) peak where 1,000 rescans do: nothing
#    per request or per rescan outlives it.
# (Measured with jit off: the JIT compiler's libraries would count, and they
# are not this extension's memory.)
# Peaks are the backend's VmHWM from /proc, each measured in a fresh session.
# Ends with "memory: N passed, M failed"; run by test/run-tests.sh.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
trap itg_cleanup EXIT

SCAN_LIMIT_KB=${ITG_SCAN_GROWTH_LIMIT_KB:-10240}
RESCAN_LIMIT_KB=${ITG_RESCAN_GROWTH_LIMIT_KB:-2048}

itg_install_deps || exit 1
[ -n "${ITG_SKIP_BUILD:-}" ] || itg_build || exit 1

# Two simulators: 10,000 and 100,000 organizations.
itg_start_sim --orgs 10000 || exit 1
small_url=$ITGLUE_SIM_URL
small_pid=$ITG_SIM_PID
itg_start_sim --orgs 100000 || exit 1
large_url=$ITGLUE_SIM_URL
ITG_SIM_PID="$ITG_SIM_PID $small_pid"
itg_start_cluster || exit 1

psql -X -q -v ON_ERROR_STOP=1 <<SQL || exit 1
CREATE EXTENSION it_glue_fdw;
CREATE SERVER small FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url '$small_url', rate_window_requests '10000000');
CREATE SERVER large FOREIGN DATA WRAPPER it_glue_fdw
  OPTIONS (url '$large_url', rate_window_requests '10000000');
CREATE USER MAPPING FOR CURRENT_USER SERVER small OPTIONS (api_key '$ITG_API_KEY');
CREATE USER MAPPING FOR CURRENT_USER SERVER large OPTIONS (api_key '$ITG_API_KEY');
CREATE SCHEMA s; CREATE SCHEMA l;
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organizations, organization_statuses) FROM SERVER small INTO s;
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organizations) FROM SERVER large INTO l;
CREATE FUNCTION peak_kb() RETURNS bigint LANGUAGE sql AS \$\$
  SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status')
                   FROM 'VmHWM:\s+(\d+) kB')::bigint
\$\$;
SQL

# peak_after SQL: run SQL in a fresh session, print the session's peak (kB).
# JIT is off: its compiler's libraries would count, and they are not ours.
# The record cache keeps up to it_glue_fdw.record_cache_mb of records per
# session by design: at 1 MB here, so that a scan's memory must not grow with
# the table beyond the cache's bound (the 100,000-row scan keeps ~16 MB of
# records read again without the bound).
peak_after() {
	psql -X -qAt -v ON_ERROR_STOP=1 -c "SET jit = off" -c "SET enable_memoize = off" \
		-c "SET it_glue_fdw.record_cache_mb = 1" -c "$1" -c "SELECT peak_kb()" | tail -1
}

passed=0
failed=0
check() {	# name, value_kb, limit_kb
	if [ "$2" -le "$3" ]; then
		echo "ok: $1 grew $2 kB (limit $3 kB)"
		passed=$((passed + 1))
	else
		echo "FAILED: $1 grew $2 kB (limit $3 kB)"
		failed=$((failed + 1))
	fi
}

# Warm the simulators' caches first, so that timings do not matter.
peak_after "SELECT count(id) FROM s.organizations" >/dev/null
peak_after "SELECT count(id) FROM l.organizations" >/dev/null

scan='SELECT sum(length(t::text)) FROM %s.organizations t'
base=$(peak_after "SELECT 1")
small=$(peak_after "$(printf "$scan" s)")
large=$(peak_after "$(printf "$scan" l)")
echo "backend peak: idle ${base} kB, 10,000-row scan ${small} kB, 100,000-row scan ${large} kB"
check "peak from a 10,000-row to a 100,000-row scan" $((large - small)) "$SCAN_LIMIT_KB"

rescans='SELECT count(*) FROM generate_series(1, %d) g,
  LATERAL (SELECT name FROM s.organization_statuses st WHERE st.id = g %% 4 + 1 OFFSET 0) x'
one_k=$(peak_after "$(printf "$rescans" 1000)")
ten_k=$(peak_after "$(printf "$rescans" 10000)")
echo "backend peak: 1,000 rescans ${one_k} kB, 10,000 rescans ${ten_k} kB"
check "peak from 1,000 to 10,000 rescans" $((ten_k - one_k)) "$RESCAN_LIMIT_KB"

echo "memory: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
