#!/usr/bin/env bash
# khyveload: bhyveload's arguments; loading itself is not implemented yet.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyveload

check_golden no-name 1 - khyveload.usage
check_golden two-names 1 - khyveload.usage a b
check_golden flag-after-name 1 - khyveload.usage vm0 -m 1G
run -q vm0
[ "$RC" -eq 1 ] || fail bad-flag "status $RC"
{ echo "khyveload: illegal option -- q"; cat "$GOLDEN/khyveload.usage"; } >"$TMP/want"
same bad-flag stderr "$TMP/want" "$TMP/err"
check memsize 64 "khyveload: Invalid memsize '1X'" -m 1X vm0
check env 64 "khyveload: invalid environment variable 'novalue'" -e novalue vm0
check not-yet 4 "khyveload: vm0: loading guests is not implemented yet" \
    -C -S -c /dev/null -d disk.img -d disk2.img -e a=b -e c=d -h /tmp -m 512M vm0
finish
