#!/usr/bin/env bash
# test/fuzz/run-fuzz.sh SECONDS — fuzz the JSON:API parser (src/jsonapi.c).
#
# Builds test/fuzz/fuzz_jsonapi.c with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer into test/fuzz/build/, and runs it for SECONDS
# (default 60) on test/fuzz/corpus-work/: the committed seeds in corpus/ plus
# whatever earlier runs found (ITG_FUZZ_FRESH=1 starts from the seeds only).
# Exit 0 when nothing crashed, leaked or broke a promise; otherwise the
# failing input is kept in test/fuzz/build/artifacts/ and the command that
# reproduces it is printed.
#
# Without clang/libFuzzer (and no root to apt-get install it), it falls back
# to a plain random-mutation driver built with gcc and ASan/UBSan.
#
#   ITG_FUZZ_JOBS=N      run N fuzzing processes (libFuzzer -fork=N)
#   ITG_FUZZ_COVERAGE=1  afterwards, print line coverage of src/jsonapi.c
#                        over the working corpus (llvm-cov)
#   ITG_FUZZ_FRESH=1     discard corpus-work/ first
#   ITG_FUZZ_STANDALONE=1  use the fallback driver even if libFuzzer works
set -uo pipefail

SECONDS_TO_RUN=${1:-60}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$HERE/build
WORK=$HERE/corpus-work
ARTIFACTS=$BUILD/artifacts
SRC="$HERE/fuzz_jsonapi.c $ROOT/src/jsonapi.c $ROOT/src/jsonscan.c $ROOT/src/recshape.c"

log() { printf '== fuzz: %s\n' "$*" >&2; }

case $SECONDS_TO_RUN in
	'' | *[!0-9]*) echo "usage: $0 SECONDS" >&2; exit 2 ;;
esac

# apt-get install the given packages when missing (root only).
need_pkgs() {
	local missing="" p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		log "missing packages:$missing (run as root to install them)"
		return 1
	fi
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null 2>&1
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

need_pkgs pkg-config libjson-c-dev || exit 1
JSONC_CFLAGS=$(pkg-config --cflags json-c)
JSONC_LIBS=$(pkg-config --libs json-c)
mkdir -p "$BUILD" "$ARTIFACTS" "$WORK"

# A compiler that can build a libFuzzer target: clang, else clang-NN.
find_clang() {
	local c
	for c in ${CLANG:-} clang clang-14 clang-15 clang-16 clang-13; do
		command -v "$c" >/dev/null || continue
		printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}\n' \
			>"$BUILD/probe.c"
		if "$c" -fsanitize=fuzzer,address,undefined -o "$BUILD/probe" "$BUILD/probe.c" \
			>/dev/null 2>&1; then
			echo "$c"
			return 0
		fi
	done
	return 1
}

CC_FUZZ=""
if [ -z "${ITG_FUZZ_STANDALONE:-}" ]; then
	CC_FUZZ=$(find_clang) || { need_pkgs clang libclang-rt-14-dev && CC_FUZZ=$(find_clang); } || CC_FUZZ=""
	[ -n "$CC_FUZZ" ] || log "no clang with libFuzzer; using the standalone mutation driver"
fi

# Seeds into the working corpus (earlier findings stay unless FRESH).
[ -n "${ITG_FUZZ_FRESH:-}" ] && rm -rf "$WORK" && mkdir -p "$WORK"
cp -n "$HERE"/corpus/* "$WORK"/ 2>/dev/null || true

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LOGFILE=$BUILD/fuzz.log

if [ -n "$CC_FUZZ" ]; then
	TARGET=$BUILD/fuzz_jsonapi
	log "building $TARGET with $CC_FUZZ"
	"$CC_FUZZ" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Wall -Wextra -Werror -I"$ROOT/src" $JSONC_CFLAGS $SRC $JSONC_LIBS -lm -o "$TARGET" ||
		exit 1

	jobs=()
	[ -n "${ITG_FUZZ_JOBS:-}" ] && jobs=(-fork="$ITG_FUZZ_JOBS" -ignore_crashes=0)
	log "fuzzing for ${SECONDS_TO_RUN}s on $(ls "$WORK" | wc -l) corpus files"
	"$TARGET" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 \
		-max_len=16384 -dict="$HERE/json.dict" -print_final_stats=1 \
		-artifact_prefix="$ARTIFACTS/" "${jobs[@]}" "$WORK" >"$LOGFILE" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -60 "$LOGFILE" >&2
		art=$(ls -t "$ARTIFACTS" 2>/dev/null | head -1)
		log "FAILED (exit $rc); full log in $LOGFILE"
		[ -n "$art" ] && log "input: $ARTIFACTS/$art — reproduce with: $TARGET $ARTIFACTS/$art"
		exit 1
	fi
	# The final status line and the stats, e.g. "#123456 DONE cov: 512 ft: 1800 corp: ..."
	grep -E '^#[0-9]+.*DONE' "$LOGFILE" | tail -1 >&2
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$LOGFILE" >&2
	log "passed: no crash, no leak, no broken promise"

	if [ -n "${ITG_FUZZ_COVERAGE:-}" ]; then
		PROF=$(command -v llvm-profdata || command -v llvm-profdata-14)
		COV=$(command -v llvm-cov || command -v llvm-cov-14)
		if [ -z "$PROF" ] || [ -z "$COV" ]; then
			log "no llvm-profdata/llvm-cov: skipping coverage"
		else
			"$CC_FUZZ" -g -O0 -fprofile-instr-generate -fcoverage-mapping \
				-fsanitize=fuzzer -I"$ROOT/src" $JSONC_CFLAGS $SRC $JSONC_LIBS -lm \
				-o "$BUILD/fuzz_jsonapi_cov" || exit 1
			rm -f "$BUILD"/cov.profraw
			LLVM_PROFILE_FILE="$BUILD/cov.profraw" "$BUILD/fuzz_jsonapi_cov" -runs=0 "$WORK" \
				>/dev/null 2>&1
			"$PROF" merge -sparse "$BUILD/cov.profraw" -o "$BUILD/cov.profdata" &&
				"$COV" report "$BUILD/fuzz_jsonapi_cov" -instr-profile="$BUILD/cov.profdata" \
					"$ROOT/src/jsonapi.c" "$ROOT/src/jsonscan.c" "$ROOT/src/recshape.c" >&2
			log "line by line: $COV show $BUILD/fuzz_jsonapi_cov -instr-profile=$BUILD/cov.profdata $ROOT/src/jsonapi.c $ROOT/src/jsonscan.c $ROOT/src/recshape.c"
		fi
	fi
	exit 0
fi

# Fallback: gcc (or any cc) with ASan/UBSan and a plain mutation loop.
need_pkgs gcc || exit 1
TARGET=$BUILD/fuzz_jsonapi_standalone
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
log "building $TARGET"
${CC:-cc} -g -O1 $SAN -DITG_FUZZ_STANDALONE -Wall -Wextra -Werror -I"$ROOT/src" $JSONC_CFLAGS \
	$SRC $JSONC_LIBS -lm -o "$TARGET" ||
	${CC:-cc} -g -O1 -DITG_FUZZ_STANDALONE -Wall -Wextra -Werror -I"$ROOT/src" $JSONC_CFLAGS \
		$SRC $JSONC_LIBS -lm -o "$TARGET" || exit 1
seed=${ITG_FUZZ_SEED:-$(date +%s)}
log "fuzzing for ${SECONDS_TO_RUN}s (standalone driver, seed $seed)"
if ! "$TARGET" "$SECONDS_TO_RUN" "$seed" "$WORK" >"$LOGFILE" 2>&1; then
	tail -60 "$LOGFILE" >&2
	log "FAILED; full log in $LOGFILE; reproduce with: $TARGET $SECONDS_TO_RUN $seed $WORK"
	exit 1
fi
tail -1 "$LOGFILE" >&2
log "passed: no crash, no leak, no broken promise"
exit 0
