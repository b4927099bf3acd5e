#!/usr/bin/env bash
# test/clients-test.sh — do real clients see the foreign tables?
#
# SQLAlchemy's inspector (get_table_names/get_view_names, MetaData.reflect)
# and pgJDBC's getTables(..., {"TABLE","VIEW"}) list only tables and views,
# so they see nothing of an IMPORTed schema; after
# it_glue_fdw_create_views() they must list every foreign table, with its
# comment, and read through the views.  Both clients come from Debian
# (python3-sqlalchemy, python3-psycopg2, libpostgresql-jdbc-java and a JDK).
# The cluster listens on 127.0.0.1 (JDBC has no unix sockets).
#
# Ends with "clients: N passed, N failed"; exits non-zero on failure.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
trap itg_cleanup EXIT

[ -n "${ITG_SKIP_BUILD:-}" ] || itg_build || exit 1
itg_install_packages python3-sqlalchemy python3-psycopg2 libpostgresql-jdbc-java \
	default-jdk-headless || exit 1

passed=0
failed=0
# expect WHAT EXPECTED ACTUAL: one check, with a diff when it fails.
expect() {
	if [ "$2" == "$3" ]; then
		passed=$((passed + 1))
		echo "ok: $1"
	else
		failed=$((failed + 1))
		echo "FAILED: $1"
		diff <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed 's/^/    /'
	fi
}

itg_start_sim --orgs 30 || exit 1
itg_start_cluster "listen_addresses = '127.0.0.1'" "shared_preload_libraries = 'it_glue_fdw'" || exit 1
psql="$(itg_pg_bindir)/psql -X -q -v ON_ERROR_STOP=1 -At"
sql() { $psql -c "$1"; }

sql "CREATE EXTENSION it_glue_fdw;
	CREATE SERVER itglue FOREIGN DATA WRAPPER it_glue_fdw OPTIONS (url '$ITGLUE_SIM_URL');
	CREATE USER MAPPING FOR CURRENT_USER SERVER itglue OPTIONS (api_key '$ITG_API_KEY');
	CREATE SCHEMA itglue;
	IMPORT FOREIGN SCHEMA itglue FROM SERVER itglue INTO itglue;
	COMMENT ON FOREIGN TABLE itglue.organizations IS 'IT Glue organizations';" || exit 1
tables=$(sql "SELECT relname FROM pg_class WHERE relnamespace = 'itglue'::regnamespace
	AND relkind = 'f' ORDER BY relname") || exit 1
[ -n "$tables" ] || { echo "IMPORT created no foreign table" >&2; exit 1; }
echo "foreign tables: $(echo $tables)"

sa_url="postgresql+psycopg2://postgres@/postgres?host=$PGHOST&port=$PGPORT"
jdbc_url="jdbc:postgresql://127.0.0.1:$PGPORT/postgres?user=postgres"
jdbc_jar=/usr/share/java/postgresql.jar
# Debian's python3, which the python3-* packages are for (PATH may have another).
sqlalchemy() { /usr/bin/python3 "$ITG_ROOT/test/clients/list_tables.py" "$sa_url" "$1" 2>&1; }
jdbc() { java -cp "$jdbc_jar" "$ITG_ROOT/test/clients/ListTables.java" "$jdbc_url" "$1" 2>&1; }

# Before: the foreign tables are invisible to both.
expect "SQLAlchemy lists nothing in itglue" "reflected 0" "$(sqlalchemy itglue)"
expect "pgJDBC lists nothing in itglue" "" "$(jdbc itglue)"

views=$(sql "SELECT * FROM it_glue_fdw_create_views('itglue', 'itglue_views')") || exit 1
expect "one view per foreign table" "$(sed 's/^/itglue_views./' <<<"$tables")" "$views"

# After: every table, as a view of the same name, with its comment.
expect "SQLAlchemy lists every table through the views" \
	"$(sed 's/^/view /' <<<"$tables")
comment organizations: IT Glue organizations
reflected $(wc -l <<<"$tables")
rows organizations: 30" "$(sqlalchemy itglue_views)"
expect "pgJDBC lists every table through the views" \
	"$(sed 's/^/VIEW /' <<<"$tables")
comment organizations: IT Glue organizations" "$(jdbc itglue_views)"
# The foreign tables' schema itself is unchanged.
expect "SQLAlchemy still lists nothing in itglue" "reflected 0" "$(sqlalchemy itglue)"

echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
