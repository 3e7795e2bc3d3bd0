# timeout: 300
# A running named VM: a second khyve on it is refused, khyvectl --list
# shows it running with its pid, --get-stats counts exits through the
# control socket, --force-poweroff stops it (status 1) and -D then removes
# its directory.
. "$GUEST_LIB"
KHYVE_RUNDIR=$T/run
export KHYVE_RUNDIR
H=$T/host
mkdir -p "$H"
cp "$GUEST_KERNEL" "$H/vmlinuz"
cp "$GUEST_INITRD" "$H/initrd.gz"
# No khyve.test: the guest sits in its shell, reading the console.
"$KHYVELOAD" -m 256M -h "$H" -e kernel=/vmlinuz -e initrd=/initrd.gz \
    -e "cmdline=console=ttyS0 panic=-1 quiet" vm2 || fail "khyveload" || exit 1

mkfifo in
"$KHYVE" -c 1 -D -l com1,stdio vm2 < in > run.console 2>&1 &
pid=$!
exec 3> in		# the guest's console input stays open
up=0 i=0
while [ $i -lt 150 ]; do
	i=$((i + 1))
	if "$KHYVECTL" --vm=vm2 --get-stats > stats.out 2>&1 &&
	    grep -Eq '^vm exits \(io\)[[:space:]]+[1-9]' stats.out &&
	    grep -q '^KHYVE-GUEST-UP' run.console; then
		up=1
		break
	fi
	sleep 1
done
cat stats.out
[ $up = 1 ] || { kill $pid; fail "no I/O exit counted, or the guest never came up"; exit 1; }

"$KHYVECTL" --list > list.out
cat list.out
expect_line list.out "^vm2 +running +$pid " || { kill $pid; exit 1; }

boot_guest second 20 "$KHYVE" -c 1 vm2
expect_status $? 4 "a second khyve vm2" || { kill $pid; exit 1; }
expect_line second.console "vm2: virtual machine is already running \\(pid $pid\\)" ||
    { kill $pid; exit 1; }

"$KHYVECTL" --vm=vm2 --force-poweroff || { kill $pid; fail "--force-poweroff"; exit 1; }
wait $pid
expect_status $? 1 "khyve after --force-poweroff" || exit 1
exec 3>&-
[ ! -e "$KHYVE_RUNDIR/vm2" ] || fail "-D left vm2's directory" || exit 1
"$KHYVECTL" --list > list2.out
! grep -q '^vm2 ' list2.out || fail "vm2 still listed" || exit 1

# --force-reset: status 0 (load again), and without -D the VM stays, its
# boot state used up.
"$KHYVELOAD" -m 256M -h "$H" -e kernel=/vmlinuz -e initrd=/initrd.gz \
    -e "cmdline=console=ttyS0 panic=-1 quiet" vm3 > /dev/null || fail "khyveload vm3" || exit 1
"$KHYVE" -c 1 -l com1,stdio vm3 < in > run3.console 2>&1 &
pid=$!
exec 3> in
i=0
while [ $i -lt 30 ] && [ ! -S "$KHYVE_RUNDIR/vm3/ctl" ]; do
	i=$((i + 1))
	sleep 1
done
"$KHYVECTL" --vm=vm3 --force-reset || { kill $pid; fail "--force-reset"; exit 1; }
wait $pid
expect_status $? 0 "khyve after --force-reset" || exit 1
exec 3>&-
"$KHYVECTL" --list > list3.out
expect_line list3.out '^vm3 +created +- +256M' || exit 1
"$KHYVECTL" --vm=vm3 --destroy || fail "destroy vm3" || exit 1

# --destroy of a running VM powers it off first, as destroying a bhyve VM
# ends its bhyve process.
"$KHYVELOAD" -m 256M -h "$H" -e kernel=/vmlinuz -e initrd=/initrd.gz vm4 > /dev/null ||
    fail "khyveload vm4" || exit 1
"$KHYVE" -c 1 -l com1,stdio vm4 < in > run4.console 2>&1 &
pid=$!
exec 3> in
i=0
while [ $i -lt 30 ] && [ ! -S "$KHYVE_RUNDIR/vm4/ctl" ]; do
	i=$((i + 1))
	sleep 1
done
"$KHYVECTL" --vm=vm4 --destroy || { kill $pid; fail "--destroy of a running VM"; exit 1; }
wait $pid
expect_status $? 1 "khyve after --destroy" || exit 1
exec 3>&-
[ ! -e "$KHYVE_RUNDIR/vm4" ] || fail "vm4's directory is still there" || exit 1
echo "refused a second runner, stats through the socket, force-poweroff, -D, force-reset, destroy while running"
