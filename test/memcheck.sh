#!/usr/bin/env bash
# test/memcheck.sh — the regression suite with every server process under
# valgrind memcheck.  Slow (a few minutes); not part of run-tests.sh.
#
#   bash test/memcheck.sh                  whole suite
#   ITG_MEMCHECK_TESTS="select types" bash test/memcheck.sh   some tests only
#
# Builds the extension and installs it into a private copy of the PostgreSQL
# installation (not the system one), starts the simulator, initdb's a
# throwaway cluster (test/lib.sh), then restarts it with the postmaster under
# valgrind; backends are forked, so each one runs under valgrind too and
# writes its own log.  After the suite the cluster is stopped (so every
# process writes its exit-time leak report) and the logs are sorted:
#
#   - errors whose stack passes through it_glue_fdw.so (invalid reads and
#     writes, uninitialised values, bad frees, overlapping copies, and with
#     leak checking memory "definitely lost" by our code) fail the run;
#   - errors elsewhere (PostgreSQL, libc, libcurl, ...) are listed but do
#     not fail it.
#
# Output: a summary on stdout, then "memcheck: N errors in it_glue_fdw.so
# (D distinct), M elsewhere"; exit 1 when N > 0 or the suite could not run.
# Regression diffs under valgrind are reported but do not fail the run
# (timing tests may differ when everything is 20-50x slower) unless
# ITG_MEMCHECK_STRICT=1.
#
#   ITG_MEMCHECK_OUT=dir     where the report and raw logs go
#                            (default /tmp/it_glue_fdw-memcheck)
#   ITG_MEMCHECK_LEAKS=0     no exit-time leak check (faster)
#   ITG_MEMCHECK_ORIGINS=0   no --track-origins (faster, vaguer reports)
#   ITG_MEMCHECK_STRICT=1    regression diffs fail the run too
#   ITG_KEEP=1               keep the work directory (cluster, logs)
#
# Limits: Debian's PostgreSQL is not built with USE_VALGRIND, so valgrind
# sees palloc chunks only as parts of larger malloc'd blocks: a use after
# pfree, or an overrun that stays inside a memory-context block, is not
# detected.  Reads of uninitialised palloc memory, anything on malloc'd
# memory (libcurl, json-c, our malloc use) and stack errors are.
set -uo pipefail

. "$(dirname "$0")/lib.sh"
trap itg_cleanup EXIT

OUT=${ITG_MEMCHECK_OUT:-/tmp/it_glue_fdw-memcheck}
LEAKS=${ITG_MEMCHECK_LEAKS:-1}
ORIGINS=${ITG_MEMCHECK_ORIGINS:-1}

itg_install_deps || exit 1
if ! command -v valgrind >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		itg_log "installing valgrind"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind >/dev/null ||
			exit 1
	else
		echo "valgrind is missing (apt-get install valgrind)" >&2
		exit 1
	fi
fi

# Build, and install into a private copy of the PostgreSQL installation (hard
# links, so instant) rather than the system one: a concurrent run-tests.sh
# from another checkout cannot swap the .so under the valgrind run, and this
# one disturbs nobody.  PostgreSQL finds its lib and share directories
# relative to the postgres binary, so the private copy is self-contained.
itg_make_workdir
PG_CONFIG_BIN=$(itg_pg_config)
PRIV=$ITG_WORK/pg
itg_log "building it_glue_fdw into $PRIV"
make -C "$ITG_ROOT" -s PG_CONFIG="$PG_CONFIG_BIN" >/dev/null || exit 1
for d in "$("$PG_CONFIG_BIN" --bindir)" "$("$PG_CONFIG_BIN" --pkglibdir)" \
	"$("$PG_CONFIG_BIN" --sharedir)"; do
	mkdir -p "$PRIV$d"
	cp -al "$d/." "$PRIV$d/" 2>/dev/null || cp -a "$d/." "$PRIV$d/" || exit 1
done
rm -f "$PRIV$("$PG_CONFIG_BIN" --pkglibdir)"/it_glue_fdw.so \
	"$PRIV$("$PG_CONFIG_BIN" --sharedir)"/extension/it_glue_fdw*
make -C "$ITG_ROOT" -s PG_CONFIG="$PG_CONFIG_BIN" DESTDIR="$PRIV" install >/dev/null || exit 1
PRIV_POSTGRES=$PRIV$("$PG_CONFIG_BIN" --bindir)/postgres

# The simulators, as run-tests.sh starts them for the regression suite.
itg_start_sim --orgs 2500 || exit 1
if declare -F itg_start_tls_sim >/dev/null; then
	itg_start_tls_sim --orgs 50 || exit 1
	itg_start_h2_front || exit 1
fi
# A plain start first: initdb and the configuration, as run-tests.sh has it.
itg_start_cluster "autovacuum = off" "jit = off" "shared_buffers = 16MB" \
	"max_connections = 20" "max_worker_processes = 4" || exit 1
itg_stop_cluster

# Restart with the postmaster under valgrind (pg_ctl -p runs the wrapper).
VG=$ITG_WORK/valgrind
mkdir -p "$VG/logs"
cat >"$VG/postgres.supp" <<'EOF'
# PostgreSQL's own false positives (after src/tools/valgrind.supp): padding
# bytes written to disk or sockets, CRCs over padding, atomic initialisation.
{
	padding_pgstat_write
	Memcheck:Param
	write(buf)
	...
	fun:pgstat_write_statsfile*
}
{
	padding_XLogRecData_CRC
	Memcheck:Value8
	fun:pg_comp_crc32c*
	fun:XLogRecordAssemble
}
{
	padding_XLogRecData_write
	Memcheck:Param
	pwrite64(buf)
	...
	fun:XLogWrite
}
{
	padding_XLogRecData_write_plain
	Memcheck:Param
	write(buf)
	...
	fun:XLogWrite
}
{
	padding_relcache
	Memcheck:Param
	write(buf)
	...
	fun:write_relcache_init_file
}
{
	padding_twophase_CRC
	Memcheck:Value8
	fun:pg_comp_crc32c*
	fun:EndPrepare
}
{
	padding_xlog_flush
	Memcheck:Param
	pwrite64(buf)
	...
	fun:XLogFlush
}
{
	padding_xlog_background_flush
	Memcheck:Param
	pwrite64(buf)
	...
	fun:XLogBackgroundFlush
}
{
	padding_relcache_init_file
	Memcheck:Param
	write(buf)
	...
	fun:RelationCacheInitializePhase3
}
{
	postmaster_startup_strdup
	Memcheck:Leak
	match-leak-kinds: definite
	fun:malloc
	fun:strdup
	fun:PostmasterMain
}
{
	postmaster_ps_display_args
	Memcheck:Leak
	match-leak-kinds: definite
	fun:malloc
	fun:save_ps_display_args
}
{
	glibc_memmove_chk_seen_as_memcpy_chk
	Memcheck:Overlap
	fun:__memcpy_chk
	fun:RE_compile_and_cache
}
{
	uninitialized_atomic_init_u64
	Memcheck:Cond
	fun:pg_atomic_exchange_u64_impl
	fun:pg_atomic_write_u64_impl
	fun:pg_atomic_init_u64_impl
}
EOF

vgopts=(--tool=memcheck --error-limit=no --num-callers=40 --read-inline-info=yes
	--suppressions="$VG/postgres.supp" --log-file="$VG/logs/vg.%p.log"
	--trace-children=no --fullpath-after=)
[ "$ORIGINS" = 1 ] && vgopts+=(--track-origins=yes)
if [ "$LEAKS" = 1 ]; then
	vgopts+=(--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite)
else
	vgopts+=(--leak-check=no)
fi
{
	echo '#!/bin/bash'
	printf 'exec valgrind'
	printf ' %q' "${vgopts[@]}"
	printf ' %q "$@"\n' "$PRIV_POSTGRES"
} >"$VG/postgres"
chmod 755 "$VG/postgres"
[ "$(id -u)" = 0 ] && chown -R postgres: "$VG"
# The private installation must be the one that runs.
"$PRIV_POSTGRES" --version >/dev/null || exit 1

itg_log "starting PostgreSQL under valgrind (slow)"
# The simulators' addresses reach the server (COPY FROM PROGRAM in tests).
mapfile -t sim_env < <(env | grep '^ITGLUE_')
itg_as_owner "${sim_env[@]}" "$(itg_pg_bindir)/pg_ctl" -D "$ITG_WORK/data" \
	-p "$VG/postgres" -l "$ITG_WORK/postgres.log" -t 600 -w start >/dev/null ||
	{ tail -50 "$ITG_WORK/postgres.log" >&2; exit 1; }

itg_log "regression suite under valgrind${ITG_MEMCHECK_TESTS:+ ($ITG_MEMCHECK_TESTS)}"
rm -rf "$ITG_ROOT/results" "$ITG_ROOT/regression.diffs" "$ITG_ROOT/regression.out"
regress_vars=()
[ -n "${ITG_MEMCHECK_TESTS:-}" ] && regress_vars=(REGRESS="setup $ITG_MEMCHECK_TESTS")
start=$(date +%s)
make -C "$ITG_ROOT" -s PG_CONFIG="$(itg_pg_config)" installcheck "${regress_vars[@]}" \
	EXTRA_REGRESS_OPTS="--host=$PGHOST --port=$PGPORT --user=postgres" \
	>"$ITG_WORK/regress.out" 2>&1
regress_rc=$?
cat "$ITG_WORK/regress.out"
ok=$(grep -cE '(^ok |\.\.\. ok|^test .* \.\.\. ok)' "$ITG_WORK/regress.out")
bad=$(grep -cE '(^not ok |\.\.\. FAILED|failed \(ignored\))' "$ITG_WORK/regress.out")
itg_log "regression suite took $(($(date +%s) - start))s: $ok ok, $bad failed"

# Stop the cluster ourselves: every process writes its exit report.
itg_log "stopping the cluster (exit-time leak checks)"
itg_as_owner "$(itg_pg_bindir)/pg_ctl" -D "$ITG_WORK/data" -m fast -t 600 -w stop >/dev/null ||
	itg_log "the cluster did not stop cleanly"

rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$VG/logs" "$OUT/logs"
cp "$ITG_WORK/regress.out" "$ITG_WORK/postgres.log" "$OUT/" 2>/dev/null
[ -f "$ITG_ROOT/regression.diffs" ] && cp "$ITG_ROOT/regression.diffs" "$OUT/"

# Sort the valgrind reports: ours (any frame in it_glue_fdw.so: where the
# error happened, where the block was allocated, or where an uninitialised
# value came from) or not.
python3 - "$OUT/logs" "$OUT/report.txt" "$ITG_ROOT/src/" <<'PY'
import os, re, sys
from collections import OrderedDict

logdir, report, srcdir = sys.argv[1], sys.argv[2], sys.argv[3]
KIND = re.compile(r'(Invalid (read|write|free)|Conditional jump|Use of uninitialised'
                  r'|Syscall param|Source and destination overlap|Mismatched free'
                  r'|are definitely lost|has a fishy value|Process terminating'
                  r'|Jump to the invalid address)')
ours, others = OrderedDict(), OrderedDict()
counts = {"ours": 0, "others": 0, "procs": 0}
for name in sorted(os.listdir(logdir)):
    counts["procs"] += 1
    blocks, cur = [], []
    with open(os.path.join(logdir, name), errors="replace") as f:
        for line in f:
            m = re.match(r'^==\d+== ?(.*)$', line.rstrip("\n"))
            if not m:
                continue
            text = m.group(1)
            if text.strip() == "":
                if cur:
                    blocks.append(cur)
                cur = []
            else:
                cur.append(text)
    if cur:
        blocks.append(cur)
    for b in blocks:
        if not KIND.search(b[0]):
            continue
        frames = [l.strip() for l in b if re.match(r'\s*(at|by) 0x', l)]
        # Ours: a frame in our .so, by object (no debug info) or by source path.
        mine = any("it_glue_fdw.so" in fr or srcdir in fr for fr in frames)
        # One signature per kind and call stack (addresses and sizes vary).
        head = re.sub(r'\d+', 'N', b[0])
        sig = head + "\n" + "\n".join(re.sub(r'0x[0-9A-Fa-f]+', '', fr) for fr in frames[:12])
        bucket = ours if mine else others
        counts["ours" if mine else "others"] += 1
        if sig not in bucket:
            bucket[sig] = {"n": 0, "text": "\n".join(b), "file": name}
        bucket[sig]["n"] += 1

with open(report, "w") as out:
    def section(title, bucket):
        out.write("=== %s: %d distinct\n\n" % (title, len(bucket)))
        for v in bucket.values():
            out.write("[%d time(s); first in %s]\n%s\n\n" % (v["n"], v["file"], v["text"]))
    section("errors through it_glue_fdw.so", ours)
    section("errors elsewhere (PostgreSQL, libraries)", others)

print("valgrind logs: %d processes" % counts["procs"])
for v in list(ours.values())[:20]:
    print("---- it_glue_fdw.so (%d time(s), %s)" % (v["n"], v["file"]))
    print("\n".join(v["text"].splitlines()[:25]))
if others:
    print("---- elsewhere (not failing the run): %d distinct, e.g." % len(others))
    for v in list(others.values())[:5]:
        print("  " + v["text"].splitlines()[0] + "  [%d time(s)]" % v["n"])
print("memcheck: %d errors in it_glue_fdw.so (%d distinct), %d elsewhere"
      % (counts["ours"], len(ours), counts["others"]))
with open(os.path.join(os.path.dirname(report), "counts"), "w") as c:
    c.write("%d %d %d\n" % (counts["ours"], len(ours), counts["others"]))
PY
read -r n_ours _ _ <"$OUT/counts" 2>/dev/null || n_ours=1
echo "full report: $OUT/report.txt (raw logs in $OUT/logs)"

status=0
if [ "$ok" -eq 0 ]; then
	echo "FAILED: the regression suite did not run (exit $regress_rc)" >&2
	status=1
fi
if [ "$bad" -gt 0 ]; then
	grep -E '(^not ok |\.\.\. FAILED)' "$ITG_WORK/regress.out" | sed 's/^/regression diff under valgrind: /'
	echo "(diffs: $OUT/regression.diffs)"
	[ -n "${ITG_MEMCHECK_STRICT:-}" ] && status=1
fi
[ "$n_ours" -gt 0 ] && status=1
[ "$status" = 0 ] && echo "memcheck: passed" || echo "memcheck: FAILED"
exit "$status"
