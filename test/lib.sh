# test/lib.sh — set-up shared by run-tests.sh, demo.sh and bench.sh.
#
# Sourced, not run.  Everything here works on a fresh Debian 12 machine as
# root (it installs what is missing with apt-get), and as an ordinary user
# when the packages are already there.  What it starts, itg_cleanup stops.

ITG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ITG_PG_MAJOR=${ITG_PG_MAJOR:-15}
ITG_WORK=""
ITG_PG_PORT=""
ITG_SIM_PID=""
ITG_SIM_TLS_PID=""
ITG_H2_PID=""
ITG_API_KEY=${ITG_API_KEY:-ITG.test-key}

itg_log() { printf '== %s\n' "$*" >&2; }

# itg_install_deps: apt-get install whatever is missing (root only).
itg_install_deps() {
	itg_install_packages gcc make pkg-config curl openssl python3 ca-certificates \
		"postgresql-$ITG_PG_MAJOR" "postgresql-server-dev-$ITG_PG_MAJOR" \
		libcurl4-openssl-dev libjson-c-dev nghttp2-proxy
}

# itg_install_packages PKG...: apt-get install those of PKG that are missing.
itg_install_packages() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages:$missing (run as root to install them)" >&2
		return 1
	fi
	itg_log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# The server package's own cluster is not used; do not start one.
	mkdir -p /etc/postgresql-common
	[ -f /etc/postgresql-common/createcluster.conf ] ||
		echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

itg_pg_bindir() { "$(itg_pg_config)" --bindir; }
# ITG_PG_CONFIG names another pg_config (a private or relocated installation).
itg_pg_config() {
	if [ -n "${ITG_PG_CONFIG:-}" ]; then
		echo "$ITG_PG_CONFIG"
	elif [ -x "/usr/lib/postgresql/$ITG_PG_MAJOR/bin/pg_config" ]; then
		echo "/usr/lib/postgresql/$ITG_PG_MAJOR/bin/pg_config"
	else
		command -v pg_config
	fi
}

# itg_build: compile and install the extension.  With ITG_INSTALLED=package
# the extension comes from the Debian package (postgresql-NN-it-glue-fdw,
# test/matrix.sh installs it): nothing is built, and the installed module
# must belong to that package.
itg_build() {
	if [ "${ITG_INSTALLED:-}" = package ]; then
		local so owner
		so="$("$(itg_pg_config)" --pkglibdir)/it_glue_fdw.so"
		owner=$(dpkg-query -S "$so" 2>/dev/null | cut -d: -f1)
		if [ "$owner" != "postgresql-$ITG_PG_MAJOR-it-glue-fdw" ]; then
			echo "$so is not from package postgresql-$ITG_PG_MAJOR-it-glue-fdw (${owner:-no package})" >&2
			return 1
		fi
		itg_log "using it_glue_fdw from package $owner"
		return 0
	fi
	itg_log "building it_glue_fdw"
	make -C "$ITG_ROOT" -s PG_CONFIG="$(itg_pg_config)" >/dev/null
	if [ "$(id -u)" = 0 ]; then
		make -C "$ITG_ROOT" -s PG_CONFIG="$(itg_pg_config)" install >/dev/null
	else
		sudo -n make -C "$ITG_ROOT" -s PG_CONFIG="$(itg_pg_config)" install >/dev/null
	fi
}

# Run a command as the cluster's owner (postgres when we are root).
itg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- env "$@"
	else
		env "$@"
	fi
}

itg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_sim_instance NAME SCHEME ARGS...: start a simulator writing its port
# to $ITG_WORK/NAME.port; prints "PID URL".
start_sim_instance() {
	local name=$1 scheme=$2 pid i
	shift 2
	rm -f "$ITG_WORK/$name.port"
	python3 "$ITG_ROOT/test/itglue_sim.py" --port 0 --port-file "$ITG_WORK/$name.port" \
		--api-key "$ITG_API_KEY" --quiet "$@" >"$ITG_WORK/$name.log" 2>&1 &
	pid=$!
	for i in $(seq 1 300); do
		[ -s "$ITG_WORK/$name.port" ] && break
		kill -0 "$pid" 2>/dev/null || { cat "$ITG_WORK/$name.log" >&2; return 1; }
		sleep 0.1
	done
	[ -s "$ITG_WORK/$name.port" ] || { echo "simulator $name did not start" >&2; return 1; }
	echo "$pid $scheme://127.0.0.1:$(cat "$ITG_WORK/$name.port")"
}

# itg_start_sim ARGS...: start the simulator; sets ITGLUE_SIM_URL.
itg_start_sim() {
	local started
	[ -n "$ITG_WORK" ] || itg_make_workdir
	started=$(start_sim_instance "sim-$RANDOM" http "$@") || return 1
	ITG_SIM_PID="${started% *}"
	export ITGLUE_SIM_URL="${started#* }"
	itg_log "simulator at $ITGLUE_SIM_URL"
}

# itg_start_tls_sim ARGS...: a second simulator behind TLS with a fresh
# self-signed certificate; sets ITGLUE_SIM_TLS_URL and ITGLUE_SIM_CA.
itg_start_tls_sim() {
	local started
	[ -n "$ITG_WORK" ] || itg_make_workdir
	"$ITG_ROOT/test/sim/make_cert.sh" "$ITG_WORK/tls" >/dev/null
	chmod 755 "$ITG_WORK/tls"
	chmod 644 "$ITG_WORK/tls/cert.pem"
	started=$(start_sim_instance sim-tls https --tls-cert "$ITG_WORK/tls/cert.pem" \
		--tls-key "$ITG_WORK/tls/key.pem" "$@") || return 1
	ITG_SIM_TLS_PID="${started% *}"
	export ITGLUE_SIM_TLS_URL="${started#* }"
	export ITGLUE_SIM_CA="$ITG_WORK/tls/cert.pem"
	itg_log "TLS simulator at $ITGLUE_SIM_TLS_URL"
}

# itg_start_h2_front: an HTTP/2 front (TLS, ALPN h2, nghttpx) for the plain
# simulator, with the TLS simulator's certificate; call after itg_start_sim
# and itg_start_tls_sim.  Sets ITGLUE_H2_URL and ITGLUE_H2_LOG, nghttpx's
# access log: "client-port alpn status \"request\"" per request.
itg_start_h2_front() {
	local port i backend=${ITGLUE_SIM_URL#http://}
	port=$(itg_free_port)
	export ITGLUE_H2_LOG="$ITG_WORK/h2-access.log"
	: >"$ITGLUE_H2_LOG"
	chmod 644 "$ITGLUE_H2_LOG"
	nghttpx --conf=/dev/null --workers=1 --frontend="127.0.0.1,$port" \
		--backend="${backend%:*},${backend##*:}" \
		--errorlog-file="$ITG_WORK/h2-error.log" --accesslog-file="$ITGLUE_H2_LOG" \
		--accesslog-format='$remote_port $alpn $status "$request"' \
		"$ITG_WORK/tls/key.pem" "$ITG_WORK/tls/cert.pem" >"$ITG_WORK/h2.out" 2>&1 &
	ITG_H2_PID=$!
	# Wait for the port (a bare TCP connect, so the access log stays empty).
	for i in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		kill -0 "$ITG_H2_PID" 2>/dev/null || { cat "$ITG_WORK/h2.out" >&2; return 1; }
		sleep 0.1
	done
	export ITGLUE_H2_URL="https://127.0.0.1:$port"
	itg_log "HTTP/2 front at $ITGLUE_H2_URL"
}

itg_make_workdir() {
	ITG_WORK=$(mktemp -d /tmp/it_glue_fdw.XXXXXX)
	chmod 755 "$ITG_WORK"
	[ "$(id -u)" = 0 ] && chown postgres: "$ITG_WORK"
	return 0
}

# itg_start_cluster [postgresql.conf lines...]: throwaway cluster on a unix
# socket in the work directory; sets PGHOST, PGPORT, PGUSER, PGDATABASE.
itg_start_cluster() {
	[ -n "$ITG_WORK" ] || itg_make_workdir
	local bindir
	bindir=$(itg_pg_bindir)
	ITG_PG_PORT=$(itg_free_port)
	itg_as_owner "$bindir/initdb" -D "$ITG_WORK/data" -A trust -U postgres \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$ITG_WORK/initdb.log" 2>&1 ||
		{ cat "$ITG_WORK/initdb.log" >&2; return 1; }
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$ITG_WORK'"
		echo "port = $ITG_PG_PORT"
		echo "fsync = off"
		echo "lc_messages = 'C'"
		echo "log_line_prefix = '%m [%p] '"
		for line in "$@"; do echo "$line"; done
	} | itg_as_owner tee -a "$ITG_WORK/data/postgresql.conf" >/dev/null
	# The simulator's address reaches the server (COPY FROM PROGRAM in tests).
	itg_as_owner ITGLUE_SIM_URL="${ITGLUE_SIM_URL:-}" "$bindir/pg_ctl" -D "$ITG_WORK/data" \
		-l "$ITG_WORK/postgres.log" -w start >/dev/null ||
		{ cat "$ITG_WORK/postgres.log" >&2; return 1; }
	export PGHOST="$ITG_WORK" PGPORT="$ITG_PG_PORT" PGUSER=postgres PGDATABASE=postgres
	itg_log "PostgreSQL $ITG_PG_MAJOR on socket $ITG_WORK port $ITG_PG_PORT"
}

# itg_restart_cluster [postgres options]: restart the cluster (fresh shared
# memory: pacing buckets), passing the current simulator's address to the
# server; options such as "-c shared_preload_libraries=" apply to this run.
itg_restart_cluster() {
	itg_stop_cluster
	itg_as_owner ITGLUE_SIM_URL="${ITGLUE_SIM_URL:-}" "$(itg_pg_bindir)/pg_ctl" -D "$ITG_WORK/data" \
		${1:+-o "$1"} -l "$ITG_WORK/postgres.log" -w start >/dev/null ||
		{ cat "$ITG_WORK/postgres.log" >&2; return 1; }
}

itg_stop_cluster() {
	[ -n "$ITG_WORK" ] && [ -d "$ITG_WORK/data" ] || return 0
	itg_as_owner "$(itg_pg_bindir)/pg_ctl" -D "$ITG_WORK/data" -m fast -w stop >/dev/null 2>&1 || true
}

# itg_cleanup: stop what was started and remove the work directory.
itg_cleanup() {
	itg_stop_cluster
	local pid
	for pid in $ITG_SIM_PID $ITG_SIM_TLS_PID $ITG_H2_PID; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -n "$ITG_WORK" ] && [ -z "${ITG_KEEP:-}" ] && rm -rf "$ITG_WORK"
	return 0
}
