# Helpers for tests/cli/*.sh (sourced, not run).  The programs are the
# sanitized builds, so ASan/UBSan also watch every command-line path.
#
#   run ARGS...                 runs $PROG; sets OUT, ERR, RC
#   check NAME STATUS ERRTEXT ARGS...
#                               stderr must be exactly ERRTEXT, stdout empty
#   check_golden NAME STATUS STDOUT-GOLDEN STDERR-GOLDEN ARGS...
#                               compares with files in tests/golden
#                               ("-" = must be empty)
#   finish                      exits 1 if anything failed
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
BUILD=${BUILD:-build}
GOLDEN=tests/golden
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

run() {
	"$PROG" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

fail() {
	echo "FAIL $1: $2"
	FAILED=1
}

# same NAME WHAT EXPECTED-FILE ACTUAL-FILE
same() {
	if ! diff -u "$3" "$4" >"$TMP/diff"; then
		fail "$1" "$2 differs"
		sed 's/^/    /' "$TMP/diff"
	fi
}

check() {
	local name=$1 status=$2 text=$3
	shift 3
	run "$@"
	[ "$RC" -eq "$status" ] || fail "$name" "status $RC, expected $status"
	printf '%s\n' "$text" >"$TMP/want"
	[ -z "$text" ] && : >"$TMP/want"
	same "$name" stderr "$TMP/want" "$TMP/err"
	[ -s "$TMP/out" ] && fail "$name" "unexpected stdout: $(head -3 "$TMP/out")"
	return 0
}

golden_file() {	# golden_file NAME -> path or an empty file for "-"
	if [ "$1" = - ]; then : >"$TMP/empty"; echo "$TMP/empty"; else echo "$GOLDEN/$1"; fi
}

check_golden() {
	local name=$1 status=$2 out=$3 err=$4
	shift 4
	run "$@"
	[ "$RC" -eq "$status" ] || fail "$name" "status $RC, expected $status"
	same "$name" stdout "$(golden_file "$out")" "$TMP/out"
	same "$name" stderr "$(golden_file "$err")" "$TMP/err"
}

finish() {
	[ "$FAILED" -eq 0 ] && echo "ok"
	exit "$FAILED"
}
