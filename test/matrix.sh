#!/usr/bin/env bash
# test/matrix.sh — the extension on every supported PostgreSQL major, each in
# the Debian release that carries it.
#
#   bash test/matrix.sh [MAJOR...]        (default: every major in MATRIX)
#
# For each major: a debootstrap (minbase) root of that Debian release with
# the server, its development files, the build tools, the simulator's needs
# and the client libraries; built once and cached under ITG_MATRIX_CACHE
# (default /var/cache/it_glue_fdw/roots), keyed by release and package list.
# Each run mounts a throw-away overlay over the cached root, copies the
# source tree in, builds the Debian package with dpkg-buildpackage
# (debian/), installs it, and runs test/run-tests.sh there with the
# `sim`, `unit`, `regress` and `clients` suites against the packaged
# extension.
#
# Everything runs in a private mount and PID namespace (unshare): the
# overlay, /proc and /dev mounts and every process started in the root
# (cluster, simulators, nghttpx) go away with it, on success, failure or
# kill.  The simulators listen on 127.0.0.1 only.
#
# Prints one "matrix: PostgreSQL N (release): ok|FAILED ..." line per major
# and last "matrix: N passed, N failed".  Exits non-zero on any failure.
#
#   ITG_MATRIX_CACHE=dir   where roots are kept
#   ITG_MATRIX_REFRESH=1   rebuild the roots even when cached
#   ITG_MATRIX_LOGS=dir    keep each major's log there (else kept only on failure)
#   ITG_MATRIX_KEEP=1      keep each run's overlay (path printed)
#   ITG_MATRIX_TIMEOUT=s   limit for creating one root, and for one major's run (2400)
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

# major  release   (PostgreSQL major -> the Debian release whose archive carries it)
MATRIX="15:bookworm 17:trixie 18:sid"

CACHE=${ITG_MATRIX_CACHE:-/var/cache/it_glue_fdw/roots}
TIMEOUT=${ITG_MATRIX_TIMEOUT:-2400}

# Packages of every root; @V@ is the major.  The build dependencies of
# debian/control, what test/run-tests.sh needs to run the simulators and the
# regression suite, and the two client libraries the `clients` suite uses.
ROOT_PACKAGES="postgresql-@V@ postgresql-server-dev-@V@ postgresql-server-dev-all
	build-essential debhelper dpkg-dev gcc make pkg-config libcurl4-openssl-dev libjson-c-dev
	python3 nghttp2-proxy openssl curl ca-certificates
	python3-sqlalchemy python3-psycopg2 libpostgresql-jdbc-java default-jdk-headless"

log() { printf '== matrix: %s\n' "$*" >&2; }

# The Debian archive the host's apt uses (deb822 .sources or one-line
# sources.list), so the roots come from the same place.
debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f" |
			grep -E '/debian/?$' | head -1)
		[ -n "$uri" ] && { echo "${uri%/}"; return 0; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f" |
			grep -E '/debian/?$' | head -1)
		[ -n "$uri" ] && { echo "${uri%/}"; return 0; }
	done
	echo "no Debian archive found in the host's apt sources" >&2
	return 1
}

packages_for() { echo "$ROOT_PACKAGES" | sed "s/@V@/$1/g" | tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'; }

# root_dir MAJOR RELEASE: the cache directory of that root (the key changes
# when the package list or this recipe changes).
root_dir() {
	local key
	key=$( { echo "recipe 1"; echo "$2"; packages_for "$1"; } | sha256sum | cut -c1-12)
	echo "$CACHE/$2-pg$1-$key"
}

# mount_root_fs DIR: /proc, /dev, /dev/shm, /dev/pts and /tmp inside a root
# (called inside the private mount namespace; unmounted with it).
mount_root_fs() {
	local d=$1
	mount -t proc proc "$d/proc"
	mount -t tmpfs -o mode=755,size=1m dev "$d/dev"
	local n
	for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		IFS=: read -r name maj min <<<"$n"
		mknod -m 666 "$d/dev/$name" c "$maj" "$min"
	done
	ln -s /proc/self/fd "$d/dev/fd"
	ln -s /proc/self/fd/0 "$d/dev/stdin"
	ln -s /proc/self/fd/1 "$d/dev/stdout"
	ln -s /proc/self/fd/2 "$d/dev/stderr"
	mkdir -p "$d/dev/shm" "$d/dev/pts"
	mount -t tmpfs -o mode=1777,size=512m shm "$d/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$d/dev/pts" 2>/dev/null &&
		ln -sf pts/ptmx "$d/dev/ptmx"
	mount -t tmpfs -o mode=1777 tmp "$d/tmp"
}
export -f mount_root_fs

# create_root MAJOR RELEASE DIR: debootstrap and install the packages into
# DIR.tmp, then move it to DIR.  Runs in a private mount namespace.
create_root() {
	local major=$1 release=$2 dir=$3 mirror tmp=$3.tmp
	mirror=$(debian_mirror) || return 1
	command -v debootstrap >/dev/null || {
		log "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
			{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
			return 1
	}
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "creating the $release root for PostgreSQL $major (from $mirror)"
	timeout --kill-after=30 "$TIMEOUT" unshare --mount --pid --fork --kill-child bash -euo pipefail -c '
		tmp=$1 release=$2 mirror=$3 pkgs=$4
		debootstrap --variant=minbase "$release" "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
			{ tail -30 "$tmp.log" >&2; exit 1; }
		# Packages do not start services, and the server package makes no cluster.
		printf "#!/bin/sh\nexit 101\n" >"$tmp/usr/sbin/policy-rc.d"
		chmod 755 "$tmp/usr/sbin/policy-rc.d"
		# The archive may be a snapshot older than its Release files allow.
		echo "Acquire::Check-Valid-Until \"false\";" >"$tmp/etc/apt/apt.conf.d/99itg-snapshot"
		mkdir -p "$tmp/etc/postgresql-common"
		echo "create_main_cluster = false" >"$tmp/etc/postgresql-common/createcluster.conf"
		mount_root_fs "$tmp"
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
			chroot "$tmp" sh -ec "apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs && apt-get clean" \
			>>"$tmp.log" 2>&1 || { tail -30 "$tmp.log" >&2; exit 1; }
	' create-root "$tmp" "$release" "$mirror" "$(packages_for "$major")" || { rm -rf "$tmp" "$tmp.log"; return 1; }
	rm -f "$tmp.log"
	mv "$tmp" "$dir"
}

# ensure_root MAJOR RELEASE: print the cached root's directory, creating it
# (under a lock, so concurrent runs do not build it twice) when missing.
ensure_root() {
	local major=$1 release=$2 dir
	dir=$(root_dir "$major" "$release")
	mkdir -p "$CACHE"
	(
		flock 9
		if [ -n "${ITG_MATRIX_REFRESH:-}" ] && [ -d "$dir" ]; then rm -rf "$dir"; fi
		if [ ! -d "$dir" ]; then
			create_root "$major" "$release" "$dir" || exit 1
			# Older roots of the same release are superseded.
			local old
			for old in "$CACHE/$release-pg$major-"*; do
				[ "$old" = "$dir" ] || [ ! -d "$old" ] || rm -rf "$old"
			done
		fi
	) 9>"$dir.lock" || return 1
	echo "$dir"
}

# source_tree DIR: the files of the source tree (tracked or not, without
# build outputs, .git or ignored files) copied to DIR.
source_tree() {
	mkdir -p "$1"
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		git -C "$src" ls-files -z --cached --others --exclude-standard |
			(cd "$src" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
			(cd "$src" && tar --null -T - -cf -) | tar -C "$1" -xf -
	else
		tar -C "$src" --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
			--exclude=results --exclude=regression.diffs --exclude=regression.out -cf - . |
			tar -C "$1" -xf -
	fi
}

# The steps inside a root, as root there: build the Debian package, install
# it, and run the suites that need a server against it.
INSIDE='
set -uo pipefail
major=$1
cd /build
echo "libcurl $(curl-config --version | cut -d" " -f2), $(/usr/lib/postgresql/$major/bin/postgres --version)"
cp -a src pkg
# Build for this major only, and let pg_buildext write debian/control for it
# (the command the README gives).
if ! (cd pkg && PG_UPDATECONTROL=yes PG_SUPPORTED_VERSIONS=$major \
		dpkg-buildpackage -b -uc -us) >package-build.log 2>&1; then
	tail -40 package-build.log
	echo "step: package-build FAILED"
	exit 1
fi
if grep -E "\.[ch]:[0-9]+:[0-9]+: warning:" package-build.log; then
	echo "step: package-build FAILED (compiler warnings)"
	exit 1
fi
echo "step: package-build ok ($(ls *.deb | tr "\n" " "))"
if ! dpkg -i "postgresql-$major-it-glue-fdw_"*.deb >package-install.log 2>&1; then
	cat package-install.log
	echo "step: package-install FAILED"
	exit 1
fi
echo "step: package-install ok"
cd /build/src
chown -R postgres: /build/src
ITG_PG_MAJOR=$major ITG_INSTALLED=package ITG_SKIP=fuzz,dist,memory,matrix \
	bash test/run-tests.sh
'

# run_major MAJOR RELEASE ROOT LOGDIR: one major in an overlay over ROOT;
# prints the inside's output to LOGDIR/MAJOR.log and a summary line.
run_major() {
	local major=$1 release=$2 root=$3 logdir=$4 work
	work=$(mktemp -d "${TMPDIR:-/tmp}/itg-matrix-$major.XXXXXX")
	mkdir -p "$work/upper" "$work/ovl" "$work/merged"
	source_tree "$work/upper/build/src" || return 1
	timeout --kill-after=30 "$TIMEOUT" unshare --mount --pid --fork --kill-child bash -uo pipefail -c '
		root=$1 work=$2 major=$3 inside=$4
		mount -t overlay overlay \
			-o "lowerdir=$root,upperdir=$work/upper,workdir=$work/ovl" "$work/merged" || exit 1
		mount_root_fs "$work/merged" || exit 1
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive ITG_WERROR="${ITG_WERROR:-1}" \
			ITG_KEEP="${ITG_KEEP:-}" CI="${CI:-}" \
			chroot "$work/merged" bash -c "$inside" inside "$major"
	' run-major "$root" "$work" "$major" "$INSIDE" >"$logdir/$major.log" 2>&1
	local rc=$?
	if [ -n "${ITG_MATRIX_KEEP:-}" ]; then
		log "PostgreSQL $major: kept $work (upper/ holds what the run changed)"
	else
		rm -rf "$work"
	fi
	return $rc
}

export -f log debian_mirror packages_for create_root

if [ "${1:-}" = "--prepare" ]; then
	shift
	for want in "${@:-15 17 18}"; do
		for entry in $MATRIX; do
			[ "${entry%%:*}" = "$want" ] && ensure_root "$want" "${entry#*:}"
		done
	done
	exit
fi

[ "$(id -u)" = 0 ] || { echo "test/matrix.sh needs root (debootstrap, chroot, mounts)" >&2; exit 1; }
majors=${*:-$(for e in $MATRIX; do printf '%s ' "${e%%:*}"; done)}
logdir=${ITG_MATRIX_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/itg-matrix-logs.XXXXXX")}
mkdir -p "$logdir"
total_passed=0
total_failed=0
for major in $majors; do
	release=""
	for entry in $MATRIX; do [ "${entry%%:*}" = "$major" ] && release=${entry#*:}; done
	[ -n "$release" ] || { echo "matrix: PostgreSQL $major is not in the matrix ($MATRIX)" >&2; total_failed=$((total_failed + 1)); continue; }
	started=$SECONDS
	if ! root=$(ensure_root "$major" "$release"); then
		echo "matrix: PostgreSQL $major ($release): FAILED creating the root"
		total_failed=$((total_failed + 1))
		continue
	fi
	log "PostgreSQL $major in $release (log: $logdir/$major.log)"
	run_major "$major" "$release" "$root" "$logdir"
	rc=$?
	out="$logdir/$major.log"
	# The inside's steps and its suite's own "N passed, N failed".
	steps_ok=$(grep -c '^step: .* ok' "$out")
	steps_bad=$(grep -c '^step: .* FAILED' "$out")
	n=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$out" | tail -1)
	p=$((steps_ok + $(echo "${n:-0 0}" | cut -d" " -f1)))
	f=$((steps_bad + $(echo "${n:-0 0}" | cut -d" " -f2)))
	# A run that died, timed out or never reached its suite's last line fails.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	[ -n "$n" ] || { [ "$steps_bad" -gt 0 ] || f=$((f + 1)); }
	versions=$(head -1 "$out")
	if [ "$f" -eq 0 ]; then
		echo "matrix: PostgreSQL $major ($release; $versions): ok, $p passed in $((SECONDS - started)) s"
	else
		grep -E '^(not ok|FAILED|step:|failed suites|.*\.\.\. FAILED)' "$out" | sed 's/^/    /'
		tail -60 "$out" | sed 's/^/    | /'
		echo "matrix: PostgreSQL $major ($release; $versions): FAILED, $p passed, $f failed in $((SECONDS - started)) s"
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
done
# The logs stay when something failed or when asked for.
if [ -z "${ITG_MATRIX_LOGS:-}" ]; then
	if [ "$total_failed" -eq 0 ]; then rm -rf "$logdir"; else log "logs kept in $logdir"; fi
fi
echo "matrix: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
