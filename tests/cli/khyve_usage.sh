#!/usr/bin/env bash
# khyve's usage text and statuses: -h exits 0, anything malformed exits 1.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyve

check_golden help 0 - khyve.usage -h
check_golden help-with-others 0 - khyve.usage -S -h vm0
check_golden no-name 1 - khyve.usage
check_golden no-name-flags 1 - khyve.usage -m 1G -c 2
check_golden two-names 1 - khyve.usage vm0 vm1
# BSD getopt stops at the name: flags after it are extra arguments.
check_golden flag-after-name 1 - khyve.usage vm0 -m 1G

run -z vm0
[ "$RC" -eq 1 ] || fail unknown-flag "status $RC"
{ echo "khyve: illegal option -- z"; cat "$GOLDEN/khyve.usage"; } >"$TMP/want"
same unknown-flag stderr "$TMP/want" "$TMP/err"

run vm0 -c
run -c
[ "$RC" -eq 1 ] || fail missing-arg "status $RC"
{ echo "khyve: option requires an argument -- c"; cat "$GOLDEN/khyve.usage"; } >"$TMP/want"
same missing-arg stderr "$TMP/want" "$TMP/err"

# -b (illumos bvmcons) and -g (old gdb port) are not khyve flags.
run -b vm0
[ "$RC" -eq 1 ] || fail illumos-b "status $RC"

# "help" or any prefix of it lists devices and exits 0 (bhyve's strncmp).
for a in help hel h; do
	run -s "$a"
	[ "$RC" -eq 0 ] || fail "s-$a" "status $RC"
	[ -s "$TMP/err" ] && fail "s-$a" "stderr: $(cat "$TMP/err")"
	run -l "$a"
	[ "$RC" -eq 0 ] || fail "l-$a" "status $RC"
	head -7 "$TMP/out" >"$TMP/lhead"
	same "l-$a" stdout "$GOLDEN/khyve.lpc-help" "$TMP/lhead"
done
finish
