#!/usr/bin/env bash
# khyvectl: bhyvectl's long options; --create, --list and --destroy on a
# scratch runtime dir; requests to a VM that is not running are refused.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyvectl
export KHYVE_RUNDIR=$TMP/run

check_golden no-args 1 - khyvectl.usage
check_golden no-vm 1 - khyvectl.usage --destroy
check_golden list-and-vm 1 - khyvectl.usage --list --vm=vm0
check_golden extra-arg 1 - khyvectl.usage --vm=vm0 junk
run --bogus
[ "$RC" -eq 1 ] || fail bad-flag "status $RC"
{ echo "khyvectl: unrecognized option '--bogus'"; cat "$GOLDEN/khyvectl.usage"; } >"$TMP/want"
same bad-flag stderr "$TMP/want" "$TMP/err"

run --list
[ "$RC" -eq 0 ] || fail list-none "status $RC"
[ "$(cat "$TMP/out")" = "NAME                 STATE     PID      MEMORY" ] || fail list-none "$(cat "$TMP/out")"
check destroy-none 1 "khyvectl: vm0: no such virtual machine" --vm=vm0 --destroy
check create 0 "" --vm vm0 --create
[ "$(stat -c %a "$KHYVE_RUNDIR/vm0")" = 700 ] || fail create "mode $(stat -c %a "$KHYVE_RUNDIR/vm0")"
check create-again 1 "khyvectl: vm0: virtual machine already exists" --vm=vm0 --create
check bad-name 1 "khyvectl: invalid VM name '..'" --vm=.. --create
check slash 1 "khyvectl: invalid VM name 'a/b': no '/' or control characters" --vm=a/b --create
run --list
grep -Eq '^vm0 +created +- +0M$' "$TMP/out" || fail list "$(cat "$TMP/out")"
check stats 1 "khyvectl: vm0: virtual machine is not running" --vm=vm0 --get-stats
check reset 1 "khyvectl: vm0: virtual machine is not running" --vm=vm0 --force-reset
check poweroff 1 "khyvectl: vm0: virtual machine is not running" --vm=vm0 --force-poweroff
check destroy 0 "" --vm=vm0 --destroy
[ ! -e "$KHYVE_RUNDIR/vm0" ] || fail destroy "vm0 is still there"
# khyve on a VM nobody prepared, as bhyve: status 4.
PROG=$BUILD/asan/khyve
check cannot-boot 4 "virtual machine cannot be booted" vm0
PROG=$BUILD/asan/khyvectl
run --vm=vm0 --create
PROG=$BUILD/asan/khyve
check created-not-loaded 4 "virtual machine cannot be booted" vm0
finish
