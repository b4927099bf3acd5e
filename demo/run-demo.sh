#!/usr/bin/env bash
# demo/run-demo.sh — the main job: it_glue_fdw against the bundled IT Glue
# simulator loaded with a realistic MSP, running the read workflows as SQL.
#
# From nothing on Debian 12 as root: installs what is missing, builds and
# installs the extension, starts the simulator and a throwaway PostgreSQL
# cluster, runs demo/demo.sql, and stops everything at the end.  Run it with
# ITG_DEMO_KEEP=1 to keep both running and get a psql command line.
set -euo pipefail
. "$(dirname "$0")/../test/lib.sh"
ITG_ORGS=${ITG_ORGS:-3000}

if [ -z "${ITG_DEMO_KEEP:-}" ]; then trap itg_cleanup EXIT; fi
itg_install_deps
itg_build
itg_start_sim --orgs "$ITG_ORGS"
itg_start_cluster "shared_preload_libraries = 'it_glue_fdw'"
psql -X -q -v sim_url="$ITGLUE_SIM_URL" -v api_key="$ITG_API_KEY" -f "$ITG_ROOT/demo/demo.sql"

echo
if [ -n "${ITG_DEMO_KEEP:-}" ]; then
	echo "Still running. Open psql on it with:"
	echo "  psql -h $PGHOST -p $PGPORT -U postgres postgres"
	echo "Stop it with:  kill $ITG_SIM_PID; $(itg_pg_bindir)/pg_ctl -D $ITG_WORK/data stop"
else
	echo "Done. Run with ITG_DEMO_KEEP=1 to keep the simulator and cluster running and open psql on them."
fi
