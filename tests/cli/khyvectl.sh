#!/usr/bin/env bash
# khyvectl: bhyvectl's long options; acting is not implemented yet.
. "$(dirname "$0")/lib/cli.sh"
PROG=$BUILD/asan/khyvectl

check_golden no-args 1 - khyvectl.usage
check_golden no-vm 1 - khyvectl.usage --destroy
check_golden list-and-vm 1 - khyvectl.usage --list --vm=vm0
check_golden extra-arg 1 - khyvectl.usage --vm=vm0 junk
run --bogus
[ "$RC" -eq 1 ] || fail bad-flag "status $RC"
{ echo "khyvectl: unrecognized option '--bogus'"; cat "$GOLDEN/khyvectl.usage"; } >"$TMP/want"
same bad-flag stderr "$TMP/want" "$TMP/err"
check destroy 4 "khyvectl: vm0: controlling VMs is not implemented yet" --vm=vm0 --destroy
check create 4 "khyvectl: vm0: controlling VMs is not implemented yet" --vm vm0 --create
check all 4 "khyvectl: vm0: controlling VMs is not implemented yet" \
    --vm=vm0 --get-stats --force-reset --force-poweroff
check list 4 "khyvectl: --list is not implemented yet" --list
finish
